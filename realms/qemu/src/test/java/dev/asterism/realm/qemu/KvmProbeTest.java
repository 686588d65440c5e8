package dev.asterism.realm.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The KVM probe on this machine: a real boot of the brick's kernel under KVM, whatever it answers (on the
 * project's machines /dev/kvm opens but KVM guests hang, so the answer there is TCG). What must hold everywhere:
 * the answer comes within its timeout with a reason, is kept and reused, and the probe leaves no QEMU behind.
 */
class KvmProbeTest {
    @TempDir
    Path data;

    @Test
    void auto_probes_once_keeps_the_answer_and_leaves_no_qemu_behind() throws Exception {
        DebianBrickBuilder.Brick brick = TestBricks.linux();
        long started = System.nanoTime();

        KvmProbe.Result first = KvmProbe.choose("auto", brick, data);

        System.out.printf("KVM probe: %s, %s (%.1f s)%n", first.accelerator(), first.reason(),
                (System.nanoTime() - started) / 1e9);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the probe's own timeout bounds it")
                .isLessThan(Duration.ofSeconds(50));
        assertThat(first.reason()).isNotBlank();
        try (Stream<Path> kept = Files.list(data)) {
            assertThat(kept.map(path -> path.getFileName().toString())).singleElement().asString()
                    .startsWith("kvm-probe-").contains(brick.key());
        }
        KvmProbe.Result second = KvmProbe.choose("auto", brick, data);
        assertThat(second.kvm()).isEqualTo(first.kvm());
        assertThat(second.reason()).endsWith("(probed before)");
        assertThat(ProcessHandle.allProcesses().map(process -> process.info().commandLine().orElse(""))
                .filter(line -> line.contains("asterism-kvm-probe"))).as("probe QEMU processes").isEmpty();
    }

    @Test
    void kvm_and_tcg_are_taken_as_said_and_anything_else_is_refused() {
        DebianBrickBuilder.Brick brick = DebianBrickBuilder.Brick.at(data.resolve("no-brick"));

        assertThat(KvmProbe.choose("tcg", brick, data).accelerator()).isEqualTo("tcg");
        assertThat(KvmProbe.choose("kvm", brick, data).accelerator()).isEqualTo("kvm");
        assertThat(catchThrowableOfType(IllegalArgumentException.class, () -> KvmProbe.choose("hvf", brick, data)))
                .hasMessageContaining("auto, kvm or tcg");
    }
}
