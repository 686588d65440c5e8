package dev.asterism.realm.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pruning the brick cache with real qcow2 overlays (made by qemu-img) and a real process holding a brick's file open:
 * only old bricks nothing needs go.
 */
class BrickCacheTest {
    @TempDir
    Path directory;

    @Test
    void prune_keeps_the_newest_and_every_brick_a_disk_or_a_process_needs() throws Exception {
        Path cache = directory.resolve("bricks");
        Path disks = directory.resolve("qemu");
        Path newest = brick(cache, "newest", 1);
        Path backing = brick(cache, "backing", 2);
        Path open = brick(cache, "open", 3);
        Path unused = brick(cache, "unused", 4);
        Files.createDirectories(disks.resolve("vm-1"));
        Process qemuImg = new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b",
                backing.resolve("rootfs.raw").toString(), disks.resolve("vm-1/disk.qcow2").toString())
                .redirectErrorStream(true).start();
        assertThat(qemuImg.waitFor()).as("qemu-img: %s", new String(qemuImg.getInputStream().readAllBytes()))
                .isZero();
        Process holder = new ProcessBuilder("sh", "-c", "exec 3<\"$0\"; exec sleep 60",
                open.resolve("rootfs.raw").toString()).start();
        try {
            waitUntilOpen(holder, open.resolve("rootfs.raw"));

            List<BrickCache.Decision> dryRun = new BrickCache(cache).prune(1, List.of(disks), true);
            assertThat(Files.isDirectory(unused)).as("a dry run deletes nothing").isTrue();
            assertThat(reasons(dryRun)).containsEntry("unused", "old and unused");

            List<BrickCache.Decision> decisions = new BrickCache(cache).prune(1, List.of(disks), false);

            assertThat(reasons(decisions)).containsEntry("newest", "one of the 1 newest")
                    .containsEntry("backing", "in use: backs a VM's disk")
                    .containsEntry("open", "in use: rootfs.raw is open")
                    .containsEntry("unused", "old and unused");
            assertThat(List.of(newest, backing, open)).allMatch(Files::isDirectory);
            assertThat(unused).doesNotExist();
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }

    @Test
    void the_backing_file_is_read_from_a_qcow2_header_and_nothing_else_has_one() throws Exception {
        Path raw = Files.writeString(directory.resolve("base.raw"), "x".repeat(1024));
        Process qemuImg = new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b",
                raw.toString(), directory.resolve("overlay.qcow2").toString()).start();
        assertThat(qemuImg.waitFor()).isZero();

        assertThat(BrickCache.backingFile(directory.resolve("overlay.qcow2"))).contains(raw);
        assertThat(BrickCache.backingFile(raw)).isEmpty();
    }

    private static Map<String, String> reasons(List<BrickCache.Decision> decisions) {
        return decisions.stream().collect(Collectors.toMap(d -> d.entry().brick().key(), BrickCache.Decision::reason));
    }

    private static Path brick(Path cache, String name, int hoursAgo) throws IOException {
        Path brick = Files.createDirectories(cache.resolve(name));
        for (String file : List.of("rootfs.raw", "vmlinuz", "initrd.img")) {
            Files.writeString(brick.resolve(file), file);
        }
        Path properties = Files.writeString(brick.resolve("brick.properties"), "key=" + name + "\n");
        Files.setLastModifiedTime(properties, FileTime.from(Instant.now().minusSeconds(3600L * hoursAgo)));
        return brick;
    }

    private static void waitUntilOpen(Process holder, Path file) throws Exception {
        Path descriptors = Path.of("/proc", Long.toString(holder.pid()), "fd");
        for (int attempt = 0; attempt < 100; attempt++) {
            try (var links = Files.list(descriptors)) {
                if (links.anyMatch(link -> {
                    try {
                        return Files.readSymbolicLink(link).equals(file.toRealPath());
                    } catch (IOException e) {
                        return false;
                    }
                })) {
                    return;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the holder never opened " + file);
    }
}
