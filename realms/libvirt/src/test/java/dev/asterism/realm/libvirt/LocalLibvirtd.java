package dev.asterism.realm.libvirt;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The system libvirtd the libvirt tests use: the one already running, or one this class starts without systemd
 * (virtlogd and libvirtd daemonized with PID files, QEMU run as root without a security driver, as
 * {@code ../shared/notes/qemu-guest-lab.md} describes) and stops again by PID when the tests are done. A missing
 * package fails the test with the install hint.
 */
public final class LocalLibvirtd implements AutoCloseable {
    public static final String URI = "qemu:///system";
    private static final Path SOCKET = Path.of("/run/libvirt/libvirt-sock");
    private static final Path LIBVIRTD_PID = Path.of("/run/asterism-test-libvirtd.pid");
    private static final Path VIRTLOGD_PID = Path.of("/run/asterism-test-virtlogd.pid");
    private static final String INSTALL = "run `sudo apt-get install -y --no-install-recommends libvirt-daemon"
            + " libvirt-daemon-driver-qemu libvirt-clients iptables qemu-system-x86 qemu-utils socat`";

    /**
     * QEMU as root without a security driver (no AppArmor or SELinux here), and without QEMU's seccomp sandbox, which
     * libvirt turns on with {@code spawn=deny}: the management NIC's guestfwd runs socat, and QEMU would be killed
     * the moment the guest's agent first dials the server.
     */
    static final String QEMU_CONF = "# written by Asterism's libvirt tests (LocalLibvirtd)\n"
            + "user = \"root\"\ngroup = \"root\"\nsecurity_driver = \"none\"\nseccomp_sandbox = 0\n";

    private final boolean started;

    private LocalLibvirtd(boolean started) {
        this.started = started;
    }

    /** Connects to the running libvirtd, or starts one. */
    public static LocalLibvirtd ensureRunning() {
        for (String tool : List.of("/usr/sbin/libvirtd", "/usr/sbin/virtlogd", "/usr/sbin/iptables",
                "/usr/bin/qemu-system-x86_64", "/usr/bin/socat")) {
            if (!Files.isExecutable(Path.of(tool))) {
                throw new IllegalStateException(tool + " is missing: " + INSTALL);
            }
        }
        if (answers()) {
            return new LocalLibvirtd(false);
        }
        try {
            for (String directory : List.of("/var/log/libvirt/qemu", "/var/lib/libvirt/qemu",
                    "/var/cache/libvirt/qemu", "/var/lib/libvirt/images", "/etc/libvirt")) {
                Files.createDirectories(Path.of(directory));
            }
            Path qemuConf = Path.of("/etc/libvirt/qemu.conf");
            if (!Files.exists(qemuConf) || !Files.readString(qemuConf).contains(QEMU_CONF)) {
                if (Files.exists(qemuConf)) {
                    Files.copy(qemuConf, qemuConf.resolveSibling("qemu.conf.before-asterism"),
                            StandardCopyOption.REPLACE_EXISTING);
                }
                Files.writeString(qemuConf, QEMU_CONF);
            }
            run("sh", "-c", "getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu");
            run("sh", "-c", "getent group kvm >/dev/null || groupadd --system kvm");
            run("sh", "-c", "getent passwd libvirt-qemu >/dev/null || useradd --system -g kvm -d /var/lib/libvirt"
                    + " -s /usr/sbin/nologin libvirt-qemu");
            run("/usr/sbin/virtlogd", "-d", "-p", VIRTLOGD_PID.toString());
            run("/usr/sbin/libvirtd", "-d", "-p", LIBVIRTD_PID.toString());
            // libvirtd may die after -d returned: wait for its socket to answer.
            for (int attempt = 0; attempt < 120; attempt++) {
                if (answers()) {
                    return new LocalLibvirtd(true);
                }
                Thread.sleep(250);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot start libvirtd: " + e.getMessage() + "; " + INSTALL, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting libvirtd", e);
        }
        throw new IllegalStateException("libvirtd did not answer on " + SOCKET + " within 30 s: see"
                + " /var/log/libvirt/libvirtd.log or run `libvirtd -v` by hand");
    }

    /** Stops the daemons this class started, by their PIDs. */
    @Override
    public void close() {
        if (started) {
            for (Path pidFile : List.of(LIBVIRTD_PID, VIRTLOGD_PID)) {
                try {
                    long pid = Long.parseLong(Files.readString(pidFile).strip());
                    ProcessHandle.of(pid).ifPresent(process -> {
                        process.destroy();
                        try {
                            process.onExit().get(20, TimeUnit.SECONDS);
                        } catch (Exception stillThere) {
                            process.destroyForcibly();
                        }
                    });
                } catch (IOException | NumberFormatException e) {
                    // No PID file: nothing of ours runs.
                }
            }
        }
    }

    private static boolean answers() {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(SOCKET));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output.strip());
        }
    }
}
