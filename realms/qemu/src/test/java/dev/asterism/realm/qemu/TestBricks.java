package dev.asterism.realm.qemu;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The Debian brick the real-VM tests boot (qemu and libvirt realms, the server's end-to-end test): built once per
 * machine and input hash (about three minutes, with the packages from Debian's mirror), then taken from the cache,
 * {@code $ASTERISM_BRICK_CACHE} or {@code /var/cache/asterism/bricks}. A missing tool fails the test with the
 * install hint. Shared with other modules as this module's test jar.
 */
public final class TestBricks {
    private static DebianBrickBuilder.Brick brick;

    private TestBricks() {}

    public static synchronized DebianBrickBuilder.Brick linux() {
        if (brick == null) {
            for (String tool : List.of("/usr/bin/qemu-system-x86_64", "/usr/bin/qemu-img", "/usr/sbin/debootstrap",
                    "/usr/bin/socat")) {
                if (!Files.isExecutable(Path.of(tool))) {
                    throw new IllegalStateException(tool + " is missing: run `sudo apt-get install -y"
                            + " --no-install-recommends qemu-system-x86 qemu-utils debootstrap socat`");
                }
            }
            String cache = System.getenv().getOrDefault("ASTERISM_BRICK_CACHE", "/var/cache/asterism/bricks");
            brick = new DebianBrickBuilder(new DebianBrickBuilder.Settings(Path.of(cache), agentJar(),
                    Path.of(System.getProperty("java.home")), DebianBrickBuilder.DEFAULT_MIRROR),
                    line -> System.out.println("brick: " + line)).build();
        }
        return brick;
    }

    /** The packaged agent of this build: asterism-agent/target/asterism-agent.jar, up from the module's directory. */
    private static Path agentJar() {
        for (Path directory = Path.of("").toAbsolutePath(); directory != null; directory = directory.getParent()) {
            Path jar = directory.resolve("asterism-agent/target/asterism-agent.jar");
            if (Files.isRegularFile(jar)) {
                return jar;
            }
        }
        throw new IllegalStateException("asterism-agent/target/asterism-agent.jar is missing: build the agent first"
                + " (./test runs `mvn verify`, which packages it before the real-VM tests)");
    }
}
