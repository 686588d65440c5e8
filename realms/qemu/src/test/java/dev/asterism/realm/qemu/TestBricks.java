package dev.asterism.realm.qemu;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The Debian brick the qemu tests boot: built once per machine and input hash (about a minute and a half, with the
 * packages from Debian's mirror), then taken from the cache, {@code $ASTERISM_BRICK_CACHE} or
 * {@code /var/cache/asterism/bricks}. A missing tool fails the test with the install hint.
 */
final class TestBricks {
    private static DebianBrickBuilder.Brick brick;

    private TestBricks() {}

    static synchronized DebianBrickBuilder.Brick linux() {
        if (brick == null) {
            for (String tool : List.of("/usr/bin/qemu-system-x86_64", "/usr/bin/qemu-img", "/usr/sbin/debootstrap",
                    "/usr/bin/socat")) {
                if (!Files.isExecutable(Path.of(tool))) {
                    throw new IllegalStateException(tool + " is missing: run `sudo apt-get install -y"
                            + " --no-install-recommends qemu-system-x86 qemu-utils debootstrap socat`");
                }
            }
            Path agentJar = Path.of("..", "..", "asterism-agent", "target", "asterism-agent.jar").toAbsolutePath()
                    .normalize();
            String cache = System.getenv().getOrDefault("ASTERISM_BRICK_CACHE", "/var/cache/asterism/bricks");
            brick = new DebianBrickBuilder(new DebianBrickBuilder.Settings(Path.of(cache), agentJar,
                    Path.of(System.getProperty("java.home")), DebianBrickBuilder.DEFAULT_MIRROR),
                    line -> System.out.println("brick: " + line)).build();
        }
        return brick;
    }
}
