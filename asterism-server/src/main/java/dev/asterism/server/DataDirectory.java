package dev.asterism.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The server's data directory holds the embedded database, the agent CA's key and the simulated VMs: it is made
 * {@code 0700}, a server refuses to start in one that other accounts may read or enter (what it held may have been
 * read already), and its files are kept {@code 0600} (the database writes its files with the process's umask).
 */
final class DataDirectory {
    private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private DataDirectory() {
    }

    /**
     * Makes {@code directory} (owner only) when it is missing, and takes the group's access away from one that exists.
     *
     * @throws ServerStartException when other accounts may read, write or enter it, or it cannot be made
     */
    static void prepare(Path directory) {
        try {
            boolean posix = directory.getFileSystem().supportedFileAttributeViews().contains("posix");
            if (!Files.exists(directory)) {
                Files.createDirectories(directory.toAbsolutePath().getParent());
                if (posix) {
                    Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
                } else {
                    Files.createDirectory(directory);
                }
            }
            if (!posix) {
                return;
            }
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(directory);
            if (permissions.stream().anyMatch(OTHERS::contains)) {
                throw new ServerStartException("other accounts of this machine may read the data directory "
                        + directory + " (mode " + PosixFilePermissions.toString(permissions) + "), which holds the"
                        + " database and the agent CA's key: check what was exposed, then run `chmod 700 " + directory
                        + "`, or start with another data directory");
            }
            if (!permissions.equals(OWNER_ONLY_DIRECTORY)) {
                Files.setPosixFilePermissions(directory, OWNER_ONLY_DIRECTORY);
            }
        } catch (IOException e) {
            throw new ServerStartException("cannot prepare the data directory " + directory + ": " + e.getMessage(), e);
        }
    }

    /** Makes every file directly in {@code directory} owner-only (the database's own files among them). */
    static void tightenFiles(Path directory) {
        if (!directory.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                if (!Files.getPosixFilePermissions(file).equals(OWNER_ONLY_FILE)) {
                    Files.setPosixFilePermissions(file, OWNER_ONLY_FILE);
                }
            }
        } catch (IOException e) {
            throw new ServerStartException("cannot make the files in " + directory + " owner-only: " + e.getMessage(),
                    e);
        }
    }
}
