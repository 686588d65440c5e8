package dev.asterism.realm.qemu;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The built bricks in a cache directory, and pruning the old ones. Each brick is about a gigabyte, and every change of
 * the agent makes a new one. A brick is never pruned while something needs it: a process holding one of its files
 * open (a running QEMU), or a qcow2 disk whose backing file is in it (a VM's overlay, running or stopped, under the
 * places given to look in: the qemu realm's state directories, libvirt's storage pools).
 */
public final class BrickCache {
    private static final byte[] QCOW2_MAGIC = {'Q', 'F', 'I', (byte) 0xfb};

    private final Path cache;

    public BrickCache(Path cache) {
        this.cache = requireNonNull(cache, "cache is null");
    }

    /** One brick of the cache, newest first in {@link #bricks()}. */
    public record Entry(DebianBrickBuilder.Brick brick, FileTime built, long bytes) {}

    /** What pruning did or would do with one brick. */
    public record Decision(Entry entry, boolean delete, String reason) {}

    /** The bricks in the cache, newest first. */
    public List<Entry> bricks() throws IOException {
        if (!Files.isDirectory(cache)) {
            return List.of();
        }
        List<Entry> entries = new ArrayList<>();
        try (Stream<Path> directories = Files.list(cache)) {
            for (Path directory : directories.filter(Files::isDirectory).toList()) {
                Path properties = directory.resolve("brick.properties");
                if (Files.isRegularFile(properties)) {
                    entries.add(new Entry(DebianBrickBuilder.Brick.at(directory),
                            Files.getLastModifiedTime(properties), size(directory)));
                }
            }
        }
        entries.sort(Comparator.comparing(Entry::built).reversed());
        return entries;
    }

    /**
     * Decides, for every brick, whether it goes: all but the {@code keep} newest, unless something needs it.
     * Deletes them unless {@code dryRun}.
     *
     * @param diskPlaces directories searched (two levels deep) for qcow2 disks backed by a brick
     */
    public List<Decision> prune(int keep, List<Path> diskPlaces, boolean dryRun) throws IOException {
        if (keep < 0) {
            throw new IllegalArgumentException("keep must be 0 or more, not " + keep);
        }
        Set<Path> openFiles = openFiles();
        Set<Path> backingFiles = backingFiles(diskPlaces);
        List<Decision> decisions = new ArrayList<>();
        List<Entry> entries = bricks();
        for (int index = 0; index < entries.size(); index++) {
            Entry entry = entries.get(index);
            Path directory = entry.brick().directory().toRealPath();
            Optional<Path> open = openFiles.stream().filter(file -> file.startsWith(directory)).findFirst();
            Optional<Path> backing = backingFiles.stream().filter(file -> file.startsWith(directory)).findFirst();
            Decision decision;
            if (index < keep) {
                decision = new Decision(entry, false, "one of the " + keep + " newest");
            } else if (open.isPresent()) {
                decision = new Decision(entry, false, "in use: " + open.get().getFileName() + " is open");
            } else if (backing.isPresent()) {
                decision = new Decision(entry, false, "in use: backs a VM's disk");
            } else {
                decision = new Decision(entry, true, "old and unused");
            }
            if (decision.delete() && !dryRun) {
                DebianBrickBuilder.deleteRecursively(directory);
            }
            decisions.add(decision);
        }
        return decisions;
    }

    /** Every file some process of this machine holds open (as far as /proc lets this user see). */
    private static Set<Path> openFiles() {
        Set<Path> files = new HashSet<>();
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path process : processes.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try (Stream<Path> descriptors = Files.list(process.resolve("fd"))) {
                    descriptors.forEach(descriptor -> {
                        try {
                            files.add(Files.readSymbolicLink(descriptor));
                        } catch (IOException gone) {
                            // Closed meanwhile.
                        }
                    });
                } catch (IOException notOurs) {
                    // Gone, or not readable by this user.
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc: " + e.getMessage(), e);
        }
        return files;
    }

    /** The backing files of the qcow2 disks in {@code places} and their subdirectories, two levels deep. */
    static Set<Path> backingFiles(List<Path> places) throws IOException {
        Set<Path> files = new HashSet<>();
        for (Path place : places) {
            if (!Files.isDirectory(place)) {
                continue;
            }
            try (Stream<Path> candidates = Files.walk(place, 2)) {
                for (Path candidate : candidates.filter(Files::isRegularFile).toList()) {
                    backingFile(candidate).ifPresent(backing -> files.add(backing.isAbsolute() ? backing
                            : candidate.resolveSibling(backing).normalize()));
                }
            }
        }
        return files;
    }

    /** A qcow2 image's backing file name from its header; empty for anything else. */
    static Optional<Path> backingFile(Path file) {
        try (RandomAccessFile image = new RandomAccessFile(file.toFile(), "r")) {
            if (image.length() < 24) {
                return Optional.empty();
            }
            byte[] magic = new byte[4];
            image.readFully(magic);
            if (!java.util.Arrays.equals(magic, QCOW2_MAGIC)) {
                return Optional.empty();
            }
            image.seek(8);
            long offset = image.readLong();
            int length = image.readInt();
            if (offset == 0 || length <= 0 || length > 4096) {
                return Optional.empty();
            }
            byte[] name = new byte[length];
            image.seek(offset);
            image.readFully(name);
            return Optional.of(Path.of(new String(name, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static long size(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            long bytes = 0;
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                bytes += Files.size(file);
            }
            return bytes;
        }
    }
}
