package dev.asterism.cli.credentials;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * The credentials file, {@code credentials.json} in the {@link ConfigDirectory config directory}.
 *
 * <p>The token in it is as good as the user's password, so on POSIX file systems the directory is created with
 * mode 0700 and the file with mode 0600. The file is written to a temporary file that is created with mode 0600
 * and then renamed over the old one: its content is never readable by others, not even for an instant, and a
 * crash mid-write leaves the old file whole. An existing directory keeps its mode: it may be one the user chose
 * through {@code ASTERISM_CONFIG_DIR}.
 */
public final class CredentialStore {

    private static final String FILE_NAME = "credentials.json";
    private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");

    private final Path directory;
    private final ObjectMapper mapper = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    public CredentialStore(Path directory) {
        this.directory = requireNonNull(directory, "directory is null");
    }

    public Path file() {
        return directory.resolve(FILE_NAME);
    }

    /**
     * The stored credentials, or empty when there is no file.
     *
     * @throws CredentialStoreException when the file exists but cannot be read or is damaged
     */
    public Optional<Credentials> load() {
        String text;
        try {
            text = Files.readString(file(), StandardCharsets.UTF_8);
        } catch (NoSuchFileException absent) {
            return Optional.empty();
        } catch (IOException e) {
            throw new CredentialStoreException("cannot read " + file() + ": " + e.getMessage(), e);
        }
        try {
            return Optional.of(mapper.readValue(text, Credentials.class));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            // Jackson's message would quote the file's content, token included, so it is left out.
            throw new CredentialStoreException(
                    "the credentials file " + file() + " is damaged; run `asterism login` again", e);
        }
    }

    /** Replaces the stored credentials, creating the directory when needed. */
    public void save(Credentials credentials) {
        requireNonNull(credentials, "credentials is null");
        try {
            createDirectory();
            Path temporary = Files.createTempFile(directory, FILE_NAME, ".tmp", ownerOnly(OWNER_ONLY_FILE));
            try {
                Files.writeString(temporary, mapper.writerWithDefaultPrettyPrinter().writeValueAsString(credentials));
                move(temporary);
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException e) {
            throw new CredentialStoreException("cannot write " + file() + ": " + e.getMessage(), e);
        }
    }

    /** Removes the stored credentials; answers whether there were any. */
    public boolean delete() {
        try {
            return Files.deleteIfExists(file());
        } catch (IOException e) {
            throw new CredentialStoreException("cannot delete " + file() + ": " + e.getMessage(), e);
        }
    }

    private void createDirectory() throws IOException {
        if (Files.isDirectory(directory)) {
            return;
        }
        Path parent = directory.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.createDirectory(directory, ownerOnly(OWNER_ONLY_DIRECTORY));
    }

    private void move(Path temporary) throws IOException {
        try {
            Files.move(temporary, file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, file(), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** No attribute at all where the file system has no POSIX modes (Windows), where it would be refused. */
    private FileAttribute<?>[] ownerOnly(Set<PosixFilePermission> permissions) {
        if (!directory.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[0];
        }
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)};
    }
}
