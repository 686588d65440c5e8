package dev.asterism.server;

import dev.asterism.core.auth.Secrets;
import dev.asterism.core.store.Store;
import dev.asterism.core.vm.RegistrationTokens;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The key that registration tokens are made with, kept in the data directory ({@value #FILE}, 0600) beside the agent
 * CA and the audit key, so that someone who can read the database cannot make a token that registers an agent. The
 * database keeps only the key's fingerprint: a server whose data directory holds another key, or none while the
 * database names one, refuses to start and says what to copy, instead of making tokens no other server accepts.
 *
 * <p>A database from before the key left it holds the key itself: the first start writes it to the file and puts the
 * fingerprint in its place, so tokens already handed to VMs still register.
 */
final class RegistrationKey {
    static final String FILE = "registration.key";
    private static final String NAME = "registration-key";
    private static final String FINGERPRINT = "sha256:";
    private static final System.Logger LOG = System.getLogger(RegistrationKey.class.getName());

    private RegistrationKey() {
    }

    /**
     * The tokens of this data directory's key, made when neither the directory nor the database has one.
     *
     * @throws ServerStartException when the directory's key is not the one the database names, or the file cannot be
     *     read or written
     */
    static RegistrationTokens open(Path dataDirectory, Store store) {
        Path file = dataDirectory.resolve(FILE);
        Optional<String> kept = read(file);
        String key = kept.orElseGet(() -> Secrets.newSecret(""));
        if (kept.isEmpty()) {
            // The file first: a crash before the database names the key leaves a key that the next start uses.
            write(file, key);
        }
        String recorded = store.call(transaction -> transaction.secret(NAME, () -> fingerprint(key)));
        if (!recorded.startsWith(FINGERPRINT)) {
            if (kept.isPresent() && !kept.get().equals(recorded)) {
                throw mismatch(file);
            }
            if (kept.isEmpty()) {
                write(file, recorded);
            }
            store.run(transaction -> transaction.replaceSecret(NAME, fingerprint(recorded)));
            LOG.log(System.Logger.Level.INFO, "moved the registration key out of the database into " + file);
            return new RegistrationTokens(recorded);
        }
        if (!recorded.equals(fingerprint(key))) {
            if (kept.isEmpty()) {
                delete(file);
                throw new ServerStartException("the database's registration key is kept in the data directory of the"
                        + " server that made it, and " + dataDirectory + " has none: copy " + FILE + " from there"
                        + " (with agent-ca and audit.key), as servers sharing one database share them");
            }
            throw mismatch(file);
        }
        return new RegistrationTokens(key);
    }

    private static ServerStartException mismatch(Path file) {
        return new ServerStartException(file + " is not the registration key that this database's servers use: copy "
                + FILE + " from the data directory of a server that runs on this database, or restore this data"
                + " directory from the backup made with the database");
    }

    /** The key's SHA-256, which is all that the database keeps of it. */
    static String fingerprint(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return FINGERPRINT + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static Optional<String> read(Path file) {
        try {
            if (!Files.exists(file)) {
                return Optional.empty();
            }
            String key = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (key.isEmpty()) {
                throw new ServerStartException("the registration key " + file + " is empty: restore it from a backup"
                        + " of the data directory, or copy it from another server on this database");
            }
            return Optional.of(key);
        } catch (IOException e) {
            throw new ServerStartException("cannot read the registration key " + file + ": " + e.getMessage(), e);
        }
    }

    private static void write(Path file, String key) {
        try {
            Path temporary = Files.createTempFile(file.getParent(), FILE, ".new",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(temporary, key + "\n", StandardCharsets.US_ASCII);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new ServerStartException("cannot write the registration key " + file + ": " + e.getMessage(), e);
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new ServerStartException("cannot delete " + file + ": " + e.getMessage(), e);
        }
    }
}
