package dev.asterism.server;

import static java.util.Objects.requireNonNull;

import dev.asterism.core.audit.AuditChain;
import dev.asterism.core.audit.AuditEvent;
import dev.asterism.core.audit.AuditKey;
import dev.asterism.core.audit.AuditService;
import dev.asterism.core.audit.AuditVerification;
import dev.asterism.core.store.AuditRepository.Head;
import dev.asterism.core.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What makes the audit chain hold against someone who can write the database but not the data directory: the key
 * that seals every event and the head ({@value #KEY}, made at the first start, 0600) and a checkpoint of the newest
 * sealed head ({@value #CHECKPOINT}, rewritten within a second of every change), both beside the agent CA. Servers that
 * share one database share the key: copy it with {@code agent-ca}.
 *
 * <p>At start, events written before the chain had a key are sealed once (when the chain verifies without one), and
 * then the whole chain must verify with the key and the checkpoint; otherwise the start is refused, unless the
 * administrator accepts the chain as it is ({@code --accept-audit-chain}): the head then moves to the newest event,
 * and an {@code audit.chain-accepted} event records what was found.
 */
final class AuditSeals implements AutoCloseable {
    static final String KEY = "audit.key";
    static final String CHECKPOINT = "audit.checkpoint";
    private static final System.Logger LOG = System.getLogger(AuditSeals.class.getName());
    private static final int PAGE = 1000;

    private final Path directory;
    private final AuditKey key;
    private final boolean keyIsNew;
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "audit-checkpoint");
        thread.setDaemon(true);
        return thread;
    });
    private volatile Store store;
    private Head written;
    private boolean wentBackLogged;

    private AuditSeals(Path directory, AuditKey key, boolean keyIsNew) {
        this.directory = directory;
        this.key = key;
        this.keyIsNew = keyIsNew;
    }

    /** The data directory's audit key, made when missing. */
    static AuditSeals open(Path dataDirectory) {
        Path file = dataDirectory.resolve(KEY);
        try {
            if (Files.exists(file)) {
                String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
                try {
                    return new AuditSeals(dataDirectory, AuditKey.of(HexFormat.of().parseHex(text)), false);
                } catch (IllegalArgumentException e) {
                    throw new ServerStartException("the audit key " + file + " is damaged (" + e.getMessage()
                            + "): restore it from a backup of the data directory");
                }
            }
            byte[] bytes = new byte[AuditKey.LENGTH];
            new SecureRandom().nextBytes(bytes);
            Files.writeString(Files.createFile(file, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------"))), HexFormat.of().formatHex(bytes) + "\n");
            return new AuditSeals(dataDirectory, AuditKey.of(bytes), true);
        } catch (IOException e) {
            throw new ServerStartException("cannot read or make the audit key " + file + ": " + e.getMessage(), e);
        }
    }

    AuditKey key() {
        return key;
    }

    /** The newest checkpoint, if one was written and it is sealed with this key. */
    Optional<Head> checkpoint() {
        Path file = directory.resolve(CHECKPOINT);
        try {
            if (!Files.exists(file)) {
                return Optional.empty();
            }
            String[] fields = Files.readString(file, StandardCharsets.US_ASCII).strip().split(" ");
            Head head = new Head(Long.parseLong(fields[0]), fields[1], fields[2]);
            if (!key.sealsHead(head.seq(), head.hash(), head.seal())) {
                // Not this key's: it cannot vouch for anything, so it is reported and not used.
                LOG.log(System.Logger.Level.WARNING, "the audit checkpoint " + file + " is not sealed with this data"
                        + " directory's audit key; it is ignored");
                return Optional.empty();
            }
            return Optional.of(head);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "the audit checkpoint " + file + " cannot be read (" + e + ");"
                    + " it is ignored");
            return Optional.empty();
        }
    }

    /**
     * Seals what came before the key, verifies the chain and refuses to start on one that does not verify, unless
     * {@code accept}; then keeps the checkpoint up to date.
     *
     * @throws ServerStartException when the chain does not verify, or was sealed with another key
     */
    void check(Store database, Clock clock, boolean accept) {
        this.store = requireNonNull(database, "store is null");
        sealHistory(database, clock, accept);
        AuditVerification verification = new AuditService(database, key, this::checkpoint).verify();
        if (!verification.valid()) {
            if (!accept) {
                throw new ServerStartException("the audit chain does not verify: " + describe(verification)
                        + ". Someone changed the database, or the audit key or checkpoint in " + directory
                        + ", outside the server. Restore the database and the data directory from a backup made"
                        + " together, or start with --accept-audit-chain to record these problems in the chain and go"
                        + " on (`asterism audit verify` keeps listing them)");
            }
            acceptChain(database, clock, verification);
        } else {
            written = checkpoint().orElse(null);
        }
        writeCheckpoint();
        writer.scheduleWithFixedDelay(this::writeCheckpoint, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * Seals a chain that was never sealed (written before the server had a key): only when no event, no head and no
     * checkpoint shows a seal, so that a chain whose seals were removed is reported rather than sealed again.
     */
    private void sealHistory(Store database, Clock clock, boolean accept) {
        Head head = database.call(transaction -> transaction.audit().head());
        long sealed = database.call(transaction -> transaction.audit().list(0, PAGE, null, null)).stream()
                .filter(event -> event.seal() != null).count();
        if (head.seal() != null || sealed > 0 || Files.exists(directory.resolve(CHECKPOINT))) {
            if (!keyIsNew) {
                // Sealed before: whatever does not verify now is for the verification to report.
                return;
            }
            forgetNewKey();
            throw new ServerStartException("the audit chain in the database is sealed with a key that the data"
                    + " directory " + directory + " does not have (" + KEY + " is missing): copy " + KEY + " (and "
                    + CHECKPOINT + ") from the data directory of the server that wrote the chain, as with agent-ca"
                    + " when servers share one database, or restore this data directory from its backup");
        }
        if (head.seq() == 0) {
            database.call(transaction -> {
                transaction.audit().seal(Map.of(), key.sealHead(head.seq(), head.hash()));
                return null;
            });
            return;
        }
        AuditVerification unkeyed = new AuditService(database).verify();
        if (!unkeyed.valid() && !accept) {
            forgetNewKey();
            throw new ServerStartException("the audit chain does not verify, so it cannot be sealed: "
                    + describe(unkeyed) + ". Restore the database from a backup, or start with --accept-audit-chain"
                    + " to record these problems in the chain and go on");
        }
        long after = 0;
        while (true) {
            long from = after;
            List<AuditEvent> page = database.call(transaction -> transaction.audit().list(from, PAGE, null, null));
            Map<Long, String> seals = new LinkedHashMap<>();
            for (AuditEvent event : page) {
                seals.put(event.seq(), key.sealEvent(event.hash()));
                after = event.seq();
            }
            database.call(transaction -> {
                transaction.audit().seal(seals, key.sealHead(head.seq(), head.hash()));
                return null;
            });
            if (page.size() < PAGE) {
                break;
            }
        }
        database.call(transaction -> transaction.audit().append("system", "audit.sealed", "audit:chain",
                Map.of("sealedThrough", Long.toString(head.seq())), clock.instant()));
        LOG.log(System.Logger.Level.INFO, "sealed the " + head.seq() + " audit events written before the audit key");
    }

    private void acceptChain(Store database, Clock clock, AuditVerification verification) {
        String found = describe(verification);
        database.call(transaction -> {
            AuditEvent last = transaction.audit().last().orElseThrow();
            transaction.audit().resetHead(last, key.sealHead(last.seq(), last.hash()));
            transaction.audit().append("system", AuditChain.Verifier.ACCEPTED, "audit:chain", Map.of(
                    AuditChain.Verifier.ACCEPTED_THROUGH, Long.toString(last.seq()),
                    "problems", Long.toString(verification.problems().size()),
                    "found", found.length() > 1000 ? found.substring(0, 1000) + "..." : found), clock.instant());
            return null;
        });
        written = null;
        LOG.log(System.Logger.Level.WARNING, "started on an audit chain that does not verify, as asked: " + found);
    }

    private void forgetNewKey() {
        try {
            Files.deleteIfExists(directory.resolve(KEY));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String describe(AuditVerification verification) {
        List<AuditVerification.Problem> problems = verification.problems();
        StringBuilder text = new StringBuilder(problems.size() + (problems.size() == 1 ? " problem" : " problems"));
        problems.stream().limit(3).forEach(problem -> text.append("; event ").append(problem.seq()).append(": ")
                .append(problem.problem()));
        if (problems.size() > 3) {
            text.append("; and ").append(problems.size() - 3).append(" more");
        }
        return text.toString();
    }

    /** Writes the head as the checkpoint when it moved on and is sealed; a head that went back is logged. */
    synchronized void writeCheckpoint() {
        Store database = store;
        if (database == null) {
            return;
        }
        try {
            Head head = database.call(transaction -> transaction.audit().head());
            if (written != null && head.seq() <= written.seq()) {
                if (head.seq() < written.seq() && !wentBackLogged) {
                    wentBackLogged = true;
                    LOG.log(System.Logger.Level.ERROR, "the audit chain's head went back from event " + written.seq()
                            + " to " + head.seq() + ": events were deleted outside the server");
                }
                return;
            }
            if (!key.sealsHead(head.seq(), head.hash(), head.seal())) {
                return;
            }
            Path file = directory.resolve(CHECKPOINT);
            Path next = directory.resolve(CHECKPOINT + ".next");
            Files.writeString(next, head.seq() + " " + head.hash() + " " + head.seal() + "\n",
                    StandardCharsets.US_ASCII, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE, StandardOpenOption.SYNC);
            Files.setPosixFilePermissions(next, PosixFilePermissions.fromString("rw-------"));
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            written = head;
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot write the audit checkpoint: " + e);
        }
    }

    @Override
    public void close() {
        writer.shutdownNow();
        try {
            writer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writeCheckpoint();
        store = null;
    }
}
