package dev.asterism.realm.qemu;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Whether KVM really works on this machine: {@code /dev/kvm} opening is not enough (on some machines KVM guests hang
 * at once), so the probe boots the brick's kernel under KVM with no disk and watches its serial console for the
 * kernel handing over to the initrd. A kernel that gets there within the timeout proves KVM; anything else (no
 * device, QEMU refusing, silence) means TCG. The answer is kept in a file named after what it depends on (the host
 * kernel, QEMU and the brick's kernel), so that only the first server start pays for the probe.
 */
public final class KvmProbe {
    /** What the guest kernel prints just before it runs the initrd's init. */
    private static final String REACHED_USERSPACE = "Run /init as init process";
    private static final Path DEVICE = Path.of("/dev/kvm");

    private KvmProbe() {}

    /** The probe's answer and why. */
    public record Result(boolean kvm, String reason) {
        public String accelerator() {
            return kvm ? "kvm" : "tcg";
        }
    }

    /** The accelerator for {@code requested} ({@code auto}, {@code kvm} or {@code tcg}); {@code auto} probes. */
    public static Result choose(String requested, DebianBrickBuilder.Brick brick, Path cacheDirectory) {
        return switch (requested) {
            case "tcg" -> new Result(false, "TCG as asked");
            case "kvm" -> new Result(true, "KVM as asked");
            case "auto" -> cached(brick, cacheDirectory);
            default -> throw new IllegalArgumentException("the accelerator is auto, kvm or tcg, not '" + requested
                    + "'");
        };
    }

    private static Result cached(DebianBrickBuilder.Brick brick, Path cacheDirectory) {
        String key = (hostKernel() + "-" + qemuStamp() + "-" + brick.key()).replaceAll("[^A-Za-z0-9._-]", "_");
        Path answer = cacheDirectory.resolve("kvm-probe-" + key);
        try {
            if (Files.isRegularFile(answer)) {
                List<String> lines = Files.readAllLines(answer);
                return new Result(Boolean.parseBoolean(lines.get(0)), lines.get(1) + " (probed before)");
            }
        } catch (IOException | IndexOutOfBoundsException e) {
            // Probed again below.
        }
        Result result = probe(brick, Duration.ofSeconds(30));
        try {
            Files.createDirectories(cacheDirectory);
            Files.writeString(answer, result.kvm() + "\n" + result.reason() + "\n");
        } catch (IOException e) {
            // Not kept: the next start probes again.
        }
        return result;
    }

    /** Boots the brick's kernel under KVM for at most {@code timeout}. */
    public static Result probe(DebianBrickBuilder.Brick brick, Duration timeout) {
        try (RandomAccessFile device = new RandomAccessFile(DEVICE.toFile(), "rw")) {
            // Opens: KVM may work. Only a boot tells.
        } catch (IOException e) {
            return new Result(false, DEVICE + " cannot be opened (" + e.getMessage() + ")");
        }
        Path console = null;
        Path errors = null;
        Process qemu = null;
        try {
            console = Files.createTempFile("asterism-kvm-probe", ".log");
            errors = Files.createTempFile("asterism-kvm-probe", ".err");
            // The CPU model the realm runs its VMs with: on some machines KVM works with one and not another.
            qemu = new ProcessBuilder("qemu-system-x86_64", "-machine", "q35,accel=kvm", "-cpu", "max", "-m", "256",
                    "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
                    "-kernel", brick.kernel().toString(), "-initrd", brick.initrd().toString(),
                    "-append", "console=ttyS0 panic=-1 root=/dev/nonexistent",
                    "-serial", "file:" + console).redirectErrorStream(true)
                    .redirectOutput(errors.toFile()).start();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                String printed = Files.readString(console, StandardCharsets.ISO_8859_1);
                if (printed.contains(REACHED_USERSPACE)) {
                    return new Result(true, "a KVM guest booted to its initrd in "
                            + (timeout.toMillis() - (deadline - System.nanoTime()) / 1_000_000) + " ms");
                }
                if (!qemu.isAlive()) {
                    List<String> said = Files.readAllLines(errors, StandardCharsets.ISO_8859_1);
                    return new Result(false, "QEMU refused KVM (exit " + qemu.exitValue() + (said.isEmpty() ? ""
                            : ": " + said.getFirst().strip()) + ")");
                }
                Thread.sleep(200);
            }
            return new Result(false, "a KVM guest did not reach its initrd within " + timeout.toSeconds() + " s");
        } catch (IOException e) {
            return new Result(false, "cannot run the KVM probe: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, "the KVM probe was interrupted");
        } finally {
            if (qemu != null) {
                qemu.destroyForcibly();
                try {
                    qemu.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            for (Path file : new Path[] {console, errors}) {
                try {
                    if (file != null) {
                        Files.deleteIfExists(file);
                    }
                } catch (IOException e) {
                    // A temporary file left behind.
                }
            }
        }
    }

    private static String hostKernel() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String qemuStamp() {
        try {
            return Long.toString(Files.getLastModifiedTime(Path.of("/usr/bin/qemu-system-x86_64")).toMillis());
        } catch (IOException e) {
            return "unknown";
        }
    }
}
