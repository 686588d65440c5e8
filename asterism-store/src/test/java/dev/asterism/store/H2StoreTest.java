package dev.asterism.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asterism.core.audit.AuditChain;
import dev.asterism.core.audit.AuditEvent;
import dev.asterism.core.catalog.RealmDefinition;
import dev.asterism.core.store.AuditRepository;
import dev.asterism.core.store.Store;
import dev.asterism.core.store.Transaction;
import dev.asterism.core.user.Role;
import dev.asterism.core.user.User;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on embedded H2, in memory; plus what only the file-based H2 store does. */
class H2StoreTest extends StoreContract {

    @Override
    protected Store newStore() {
        return JdbcStore.h2InMemory("store-contract-" + UUID.randomUUID());
    }

    @Test
    void a_database_from_before_projects_keeps_its_data_in_the_default_project(@TempDir Path directory)
            throws Exception {
        aDatabaseFromBeforeProjectsKeepsItsDataInTheDefaultProject("jdbc:h2:file:" + directory.resolve("db"), "sa",
                "");
    }

    @Test
    void a_database_migrated_before_a_migration_was_reworded_still_opens(@TempDir Path directory) throws Exception {
        aDatabaseMigratedBeforeARewordingStillOpens("jdbc:h2:file:" + directory.resolve("db"), "sa", "");
    }

    @Test
    void a_writer_that_is_interrupted_leaves_the_database_open_for_everyone_else(@TempDir Path directory)
            throws Exception {
        try (JdbcStore store = JdbcStore.h2(directory)) {
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int writer = w;
                writers.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        String name = "w" + writer + "-" + i;
                        try {
                            store.run(transaction -> transaction.users().insert(name, Role.USER, "hash", T0));
                        } catch (RuntimeException e) {
                            // an interrupted writer may lose its own transaction; the others must not
                        }
                    }
                }));
            }
            Thread.sleep(300);
            for (int round = 0; round < 20; round++) {
                writers.forEach(Thread::interrupt);
                Thread.sleep(10);
            }
            stop.set(true);
            for (Thread writer : writers) {
                writer.join();
            }
            User after = store.call(transaction -> transaction.users().insert("after", Role.USER, "hash", T0));
            assertThat(store.call((Transaction transaction) -> transaction.users().find("after"))).contains(after);
        }
    }

    @Test
    void a_file_based_store_keeps_its_data_when_closed_and_reopened(@TempDir Path directory) {
        User alice;
        AuditEvent event;
        String secret;
        try (JdbcStore store = JdbcStore.h2(directory)) {
            assertThat(store.description()).contains(directory.toAbsolutePath().toString());
            alice = store.call(transaction -> transaction.users().insert("alice", Role.ADMIN, "hash", T0));
            store.run(transaction -> transaction.catalog().insertRealm(new RealmDefinition("sim", "sim", "in memory")));
            event = store.call(transaction -> transaction.audit()
                    .append("alice", "user.create", "user:alice", Map.of("role", "admin"), T0));
            secret = store.call(transaction -> transaction.secret("registration-key", () -> "first"));
        }

        try (JdbcStore reopened = JdbcStore.h2(directory)) {
            assertThat(reopened.call((Transaction transaction) -> transaction.users().find("alice"))).contains(alice);
            assertThat(reopened.call((Transaction transaction) -> transaction.users().passwordHash("alice"))).contains("hash");
            assertThat(reopened.call((Transaction transaction) -> transaction.catalog().realms()))
                    .containsExactly(new RealmDefinition("sim", "sim", "in memory"));
            assertThat(reopened.call((Transaction transaction) -> transaction.secret("registration-key", () -> "second")))
                    .isEqualTo(secret);
            assertThat(reopened.call((Transaction transaction) -> transaction.audit().head()))
                    .isEqualTo(new AuditRepository.Head(1, event.hash(), null));
            List<AuditEvent> events = reopened.call(transaction -> transaction.audit().list(0, 10, null, null));
            assertThat(events).containsExactly(event);

            AuditEvent next = reopened.call(transaction -> transaction.audit()
                    .append("alice", "user.login", "user:alice", Map.of(), T0.plusSeconds(1)));
            assertThat(next.seq()).isEqualTo(2);
            assertThat(next.prevHash()).isEqualTo(event.hash());
            AuditChain.Verifier verifier = new AuditChain.Verifier();
            verifier.accept(event);
            verifier.accept(next);
            assertThat(verifier.finish(2, next.hash()).valid()).isTrue();
        }
    }
}
