package dev.asterism.realm.qemu;

import static java.util.Objects.requireNonNull;

import dev.asterism.guest.linux.LinuxPackages;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Builds the Linux brick's disk: a Debian bookworm root file system made with {@code debootstrap} (minbase with
 * systemd, the guest's own kernel and initrd, the QEMU guest agent, WireGuard, Samba AD, adcli, Kerberos, smbclient,
 * nftables, xrdp: every package the linux guest platform needs), a Java runtime made with {@code jlink} from the
 * JDK that runs the builder, and the agent, started at boot by {@code asterism-agent.service}. Nothing in the image
 * calls out by itself: no time synchronisation (minbase has none), the apt timers masked, every service of the
 * guest platform disabled until the agent starts it.
 *
 * <p>The result is a directory named by the SHA-256 of everything that went in (this builder's version, the package
 * list, the mirror, the agent jar, the Java runtime): {@code rootfs.raw} (ext4, no partition table), {@code vmlinuz},
 * {@code initrd.img} and {@code brick.properties}. Building the same inputs again returns the directory as it is.
 * Needs root (debootstrap, chroot) and a Debian mirror; installs {@code debootstrap}, {@code mkfs.ext4} and
 * {@code chroot} with apt-get when they are missing.
 */
public final class DebianBrickBuilder {

    /** Changes whenever what the builder writes into an image changes, so that old images are not reused. */
    static final String VERSION = "2";
    /** The Debian mirror used when none is given. */
    public static final String DEFAULT_MIRROR = "http://deb.debian.org/debian";
    private static final List<String> BASE_PACKAGES = List.of("systemd-sysv", "udev", "dbus", "kmod", "iproute2",
            "qemu-guest-agent", "linux-image-amd64", "initramfs-tools", "ca-certificates");
    private static final String JRE_MODULES = "java.base,java.desktop,java.logging,java.naming,java.net.http,"
            + "java.sql,jdk.unsupported";
    private static final long IMAGE_BYTES = 3L * 1024 * 1024 * 1024;
    /** Units that would start services before the agent configures them, or call out. */
    private static final List<String> DISABLED_UNITS = List.of("samba-ad-dc.service", "smbd.service",
            "nmbd.service", "winbind.service", "xrdp.service", "xrdp-sesman.service", "nftables.service", "sssd.service",
            "munge.service", "slurmctld.service", "slurmd.service");
    /** Units that would call out (chrony's own configuration asks Debian's pool: the agent runs it with its own). */
    private static final List<String> MASKED_UNITS = List.of("chrony.service", "apt-daily.timer",
            "apt-daily-upgrade.timer", "systemd-networkd-wait-online.service", "e2scrub_all.timer", "fstrim.timer",
            "man-db.timer", "getty@tty1.service");

    /** A built brick: the files a VM of it boots from. */
    public record Brick(Path directory, String key) {
        /** The brick built into {@code directory}, named by its directory. */
        public static Brick at(Path directory) {
            return new Brick(directory, directory.getFileName().toString());
        }

        public Path rootFileSystem() {
            return directory.resolve("rootfs.raw");
        }

        public Path kernel() {
            return directory.resolve("vmlinuz");
        }

        public Path initrd() {
            return directory.resolve("initrd.img");
        }
    }

    /**
     * What to build from.
     *
     * @param cache where built bricks are kept, one directory per input hash
     * @param agentJar the agent to put into the image ({@code asterism-agent.jar})
     * @param jdk the JDK (21 or newer) whose {@code jlink} makes the image's Java runtime
     * @param mirror the Debian mirror
     */
    public record Settings(Path cache, Path agentJar, Path jdk, String mirror) {
        public Settings {
            requireNonNull(cache, "cache is null");
            requireNonNull(agentJar, "agentJar is null");
            requireNonNull(jdk, "jdk is null");
            requireNonNull(mirror, "mirror is null");
        }
    }

    private final Settings settings;
    private final Consumer<String> progress;

    /** @param progress told each phase as it starts, for a person watching */
    public DebianBrickBuilder(Settings settings, Consumer<String> progress) {
        this.settings = requireNonNull(settings, "settings is null");
        this.progress = requireNonNull(progress, "progress is null");
    }

    /** The packages of the image, as debootstrap's {@code --include} list. */
    static List<String> packages() {
        List<String> all = new ArrayList<>(BASE_PACKAGES);
        all.addAll(LinuxPackages.ALL);
        return all;
    }

    /** The built brick for these inputs, if the cache has it. */
    public Optional<Brick> cached() {
        return cached(key());
    }

    private Optional<Brick> cached(String key) {
        Path directory = settings.cache().resolve(key);
        return Files.isRegularFile(directory.resolve("brick.properties"))
                ? Optional.of(new Brick(directory, key)) : Optional.empty();
    }

    /**
     * The brick for these inputs: from the cache, or built now (about a minute and a half, most of it in dpkg).
     *
     * @throws BrickBuildException naming the step that failed and what to do
     */
    public Brick build() {
        // Hashing reads the whole agent jar: once per build.
        String key = key();
        Optional<Brick> existing = cached(key);
        if (existing.isPresent()) {
            progress.accept("cached: " + existing.get().directory());
            return existing.get();
        }
        requireTools();
        Path target = settings.cache().resolve(key);
        Path work = settings.cache().resolve(key + ".building-" + ProcessHandle.current().pid());
        Path rootfs = work.resolve("rootfs");
        try {
            deleteRecursively(work);
            Files.createDirectories(rootfs);
            progress.accept("debootstrap bookworm (minbase, " + packages().size() + " packages) from "
                    + settings.mirror());
            run(Duration.ofMinutes(30), "debootstrap", "--variant=minbase", "--include=" + String.join(",", packages()),
                    "--components=main", "bookworm", rootfs.toString(), settings.mirror());
            progress.accept("Java runtime (jlink " + JRE_MODULES + ")");
            run(Duration.ofMinutes(5), settings.jdk().resolve("bin/jlink").toString(), "--add-modules", JRE_MODULES,
                    "--strip-debug", "--no-header-files", "--no-man-pages", "--output",
                    rootfs.resolve("opt/asterism/jre").toString());
            progress.accept("agent and configuration");
            configure(rootfs);
            progress.accept("kernel and initrd");
            copyBootFiles(rootfs, work);
            cleanUp(rootfs);
            progress.accept("ext4 image (" + IMAGE_BYTES / (1024 * 1024 * 1024) + " GiB, sparse)");
            Path image = work.resolve("rootfs.raw");
            try (var file = new java.io.RandomAccessFile(image.toFile(), "rw")) {
                file.setLength(IMAGE_BYTES);
            }
            run(Duration.ofMinutes(5), "mkfs.ext4", "-q", "-F", "-L", "root", "-d", rootfs.toString(), image.toString());
            deleteRecursively(rootfs);
            Files.writeString(work.resolve("brick.properties"), "key=" + key + "\nversion=" + VERSION
                    + "\nrelease=bookworm\npackages=" + String.join(",", packages()) + "\n");
            deleteRecursively(target);
            Files.move(work, target, StandardCopyOption.ATOMIC_MOVE);
            progress.accept("built " + target);
            return new Brick(target, key);
        } catch (IOException e) {
            throw new BrickBuildException("building the brick under " + work + " failed: " + e.getMessage(), e);
        } finally {
            deleteRecursively(work);
        }
    }

    private void configure(Path rootfs) throws IOException {
        Path opt = rootfs.resolve("opt/asterism");
        Files.createDirectories(opt);
        Files.copy(settings.agentJar(), opt.resolve("asterism-agent.jar"), StandardCopyOption.REPLACE_EXISTING);
        writeResource("start-agent", opt.resolve("start-agent"), "rwxr-xr-x");
        writeResource("asterism-agent.service", rootfs.resolve("etc/systemd/system/asterism-agent.service"),
                "rw-r--r--");
        Files.writeString(rootfs.resolve("etc/hostname"), "asterism\n");
        Files.writeString(rootfs.resolve("etc/hosts"), "127.0.0.1 localhost\n");
        Files.writeString(rootfs.resolve("etc/fstab"), "LABEL=root / ext4 defaults,errors=remount-ro 0 1\n");
        Files.createDirectories(rootfs.resolve("etc/modules-load.d"));
        Files.writeString(rootfs.resolve("etc/modules-load.d/asterism.conf"), "qemu_fw_cfg\nwireguard\n");
        // No DNS server outside: the guest asks itself (a controller's Samba DNS), and a member asks the controller
        // once it joins.
        Files.deleteIfExists(rootfs.resolve("etc/resolv.conf"));
        Files.writeString(rootfs.resolve("etc/resolv.conf"), "options timeout:1 attempts:1\nnameserver 127.0.0.1\n");
        chroot(rootfs, "systemctl", "enable", "systemd-networkd.service", "systemd-network-generator.service",
                "asterism-agent.service", "qemu-guest-agent.service");
        List<String> disable = new ArrayList<>(List.of("systemctl", "disable"));
        disable.addAll(DISABLED_UNITS);
        chroot(rootfs, disable.toArray(String[]::new));
        List<String> mask = new ArrayList<>(List.of("systemctl", "mask"));
        mask.addAll(MASKED_UNITS);
        chroot(rootfs, mask.toArray(String[]::new));
        // The package made a munge key at installation: every VM of the brick would share it. A controller makes
        // its constellation's own.
        Files.deleteIfExists(rootfs.resolve("etc/munge/munge.key"));
    }

    private static void copyBootFiles(Path rootfs, Path work) throws IOException {
        try (Stream<Path> boot = Files.list(rootfs.resolve("boot"))) {
            List<Path> files = boot.sorted().toList();
            Path kernel = files.stream().filter(file -> file.getFileName().toString().startsWith("vmlinuz-"))
                    .reduce((first, second) -> second)
                    .orElseThrow(() -> new BrickBuildException("the image has no kernel in /boot", null));
            Path initrd = files.stream().filter(file -> file.getFileName().toString().startsWith("initrd.img-"))
                    .reduce((first, second) -> second)
                    .orElseThrow(() -> new BrickBuildException("the image has no initrd in /boot", null));
            Files.copy(kernel, work.resolve("vmlinuz"));
            Files.copy(initrd, work.resolve("initrd.img"));
        }
    }

    private static void cleanUp(Path rootfs) throws IOException {
        for (String directory : List.of("var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc",
                "usr/share/man", "usr/share/locale")) {
            Path path = rootfs.resolve(directory);
            if (Files.isDirectory(path)) {
                try (Stream<Path> entries = Files.list(path)) {
                    for (Path entry : entries.toList()) {
                        if (!entry.getFileName().toString().equals("partial")) {
                            deleteRecursively(entry);
                        }
                    }
                }
            }
        }
    }

    /** The tools the build runs, and the Debian package of each. */
    private static final Map<String, String> TOOLS = Map.of("/usr/sbin/debootstrap", "debootstrap",
            "/usr/sbin/mkfs.ext4", "e2fsprogs", "/usr/sbin/chroot", "coreutils");

    private void requireTools() {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new BrickBuildException("building a brick needs root (debootstrap and chroot): run it with sudo",
                    null);
        }
        List<String> missing = TOOLS.entrySet().stream().filter(tool -> !Files.isExecutable(Path.of(tool.getKey())))
                .map(Map.Entry::getValue).distinct().toList();
        if (!missing.isEmpty() && Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
            // As the demo and ./test do: root may install what is missing, and says so.
            progress.accept("installing " + String.join(" ", missing) + " with apt-get");
            run(Duration.ofMinutes(10), "apt-get", "update", "-qq");
            List<String> install = new ArrayList<>(List.of("apt-get", "install", "-y", "-qq",
                    "--no-install-recommends"));
            install.addAll(missing);
            run(Duration.ofMinutes(10), install.toArray(String[]::new));
        }
        for (Map.Entry<String, String> tool : TOOLS.entrySet()) {
            if (!Files.isExecutable(Path.of(tool.getKey()))) {
                throw new BrickBuildException(tool.getKey() + " is missing and apt-get could not install it: run"
                        + " `sudo apt-get install -y debootstrap e2fsprogs coreutils`", null);
            }
        }
        if (!Files.isExecutable(settings.jdk().resolve("bin/jlink"))) {
            throw new BrickBuildException("no jlink in " + settings.jdk() + ": the builder needs a JDK 21 or newer,"
                    + " not only a runtime", null);
        }
        if (!Files.isRegularFile(settings.agentJar())) {
            throw new BrickBuildException("the agent jar " + settings.agentJar() + " is missing: build it with"
                    + " `mvn -pl asterism-agent -am package -DskipTests`", null);
        }
    }

    /** The SHA-256 of every input, which names the brick's directory. */
    String key() {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            update(digest, "version " + VERSION);
            update(digest, "packages " + String.join(",", BASE_PACKAGES) + "," + String.join(",", LinuxPackages.ALL));
            update(digest, "mirror " + settings.mirror());
            update(digest, "jre " + JRE_MODULES + " " + Runtime.version());
            try (InputStream in = Files.newInputStream(settings.agentJar())) {
                byte[] buffer = new byte[65536];
                int read;
                while ((read = in.read(buffer)) > 0) {
                    digest.update(buffer, 0, read);
                }
            }
            for (String resource : List.of("start-agent", "asterism-agent.service")) {
                digest.update(resource(resource));
            }
            return HexFormat.of().formatHex(digest.digest()).substring(0, 24);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new BrickBuildException("cannot read the agent jar " + settings.agentJar() + ": " + e.getMessage(), e);
        }
    }

    private static void update(MessageDigest digest, String text) {
        digest.update(text.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = DebianBrickBuilder.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the jar");
            }
            return in.readAllBytes();
        }
    }

    private static void writeResource(String name, Path target, String permissions) throws IOException {
        Files.createDirectories(target.getParent());
        Files.write(target, resource(name));
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(permissions));
    }

    private void chroot(Path rootfs, String... command) {
        List<String> all = new ArrayList<>(List.of("chroot", rootfs.toString()));
        all.addAll(List.of(command));
        run(Duration.ofMinutes(2), all.toArray(String[]::new));
    }

    private void run(Duration timeout, String... command) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
        builder.environment().put("LC_ALL", "C");
        try {
            Process process = builder.start();
            StringBuilder tail = new StringBuilder();
            Thread reader = Thread.ofVirtual().start(() -> {
                try (var lines = process.inputReader().lines()) {
                    lines.forEach(line -> {
                        synchronized (tail) {
                            tail.append(line).append('\n');
                            if (tail.length() > 4000) {
                                tail.delete(0, tail.length() - 4000);
                            }
                        }
                    });
                }
            });
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new BrickBuildException(command[0] + " did not finish within " + timeout.toMinutes()
                        + " min", null);
            }
            reader.join();
            if (process.exitValue() != 0) {
                throw new BrickBuildException(String.join(" ", List.of(command).subList(0, Math.min(3,
                        command.length))) + "... failed (exit " + process.exitValue() + "):\n" + tail, null);
            }
        } catch (IOException e) {
            throw new BrickBuildException("cannot run " + command[0] + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrickBuildException("interrupted while running " + command[0], e);
        }
    }

    /** Deletes a tree, refusing one with a mount point in it (a chroot's /proc must never be walked). */
    static void deleteRecursively(Path path) {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            String absolute = path.toAbsolutePath().normalize().toString();
            for (String mount : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                String point = mount.split(" ")[1];
                if (point.equals(absolute) || point.startsWith(absolute + "/")) {
                    throw new BrickBuildException("refusing to delete " + path + ": " + point + " is mounted in it;"
                            + " unmount it first", null);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (Stream<Path> all = Files.walk(path)) {
            for (Path each : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(each);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
