package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.testing.PostgresServer;
import dev.asterism.core.audit.AuditChain;
import dev.asterism.core.audit.AuditEvent;
import dev.asterism.core.store.AuditRepository;
import dev.asterism.store.JdbcStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Edits, deletions, reorderings and insertions made directly in the database are found by the chain's verification,
 * also when the writer rehashes what it changed and sets the head to match (the seals, made with the key in the data
 * directory, and the checkpoint kept there find it), and a server refuses to start on such a chain unless told to
 * accept it.
 */
class AuditTamperTest {

    private record Fixture(TestServer server, String url, String user, String password) implements AutoCloseable {
        ServerConfig sameDatabase(ServerConfig config) {
            ServerConfig data = config.withDataDirectory(server.dataDirectory);
            return url.startsWith("jdbc:h2:") ? data : data.withDatabase(url, user, password);
        }

        List<AuditEvent> events() {
            return server.server.store().call(transaction -> transaction.audit().list(0, 1000, null, null));
        }

        AuditRepository.Head head() {
            return server.server.store().call(transaction -> transaction.audit().head());
        }

        Connection connect() throws SQLException {
            return DriverManager.getConnection(url, user, password);
        }

        void sql(String statement) throws SQLException {
            try (Connection connection = connect(); Statement s = connection.createStatement()) {
                s.executeUpdate(statement);
            }
        }

        JsonNode verify() {
            return server.admin.get("/audit/verify").expect(200).json();
        }

        @Override
        public void close() {
            server.close();
        }
    }

    private static Fixture fixture(String database) {
        TestServer server;
        String url;
        String user;
        String password;
        if (database.equals("postgres")) {
            PostgresServer.Database db = PostgresServer.shared().createDatabase();
            server = TestServer.start(Clock.systemUTC(), config -> config.withDatabase(db.jdbcUrl(), db.user(), db.password()));
            url = db.jdbcUrl();
            user = db.user();
            password = db.password();
        } else {
            server = TestServer.start();
            url = JdbcStore.h2Url(server.dataDirectory);
            user = "sa";
            password = "";
        }
        for (int i = 0; i < 4; i++) {
            server.admin.post("/profiles", Map.of("name", "tamper-" + i, "vcpus", 1, "memoryMib", 512, "diskGib", 1))
                    .expect(201);
        }
        return new Fixture(server, url, user, password);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void an_intact_chain_verifies(String database) {
        try (Fixture fixture = fixture(database)) {
            JsonNode result = fixture.verify();
            assertThat(result.get("valid").asBoolean()).isTrue();
            assertThat(result.get("events").asLong()).isGreaterThan(5);
            assertThat(result.get("problems")).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void an_edited_event_is_found(String database) throws SQLException {
        try (Fixture fixture = fixture(database)) {
            fixture.sql("UPDATE audit_events SET actor = 'mallory' WHERE seq = 3");
            JsonNode result = fixture.verify();
            assertThat(result.get("valid").asBoolean()).isFalse();
            assertThat(result.get("problems").toString()).contains("\"seq\":3").contains("edited");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void a_deleted_event_is_found(String database) throws SQLException {
        try (Fixture fixture = fixture(database)) {
            fixture.sql("DELETE FROM audit_events WHERE seq = 4");
            JsonNode result = fixture.verify();
            assertThat(result.get("valid").asBoolean()).isFalse();
            assertThat(result.get("problems").toString()).contains("missing");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void deleting_the_newest_events_is_found(String database) throws SQLException {
        try (Fixture fixture = fixture(database)) {
            fixture.sql("DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)");
            JsonNode result = fixture.verify();
            assertThat(result.get("valid").asBoolean()).isFalse();
            assertThat(result.get("problems").toString()).contains("newest events were deleted");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void reordered_events_are_found(String database) throws SQLException {
        try (Fixture fixture = fixture(database)) {
            fixture.sql("UPDATE audit_events SET seq = -5 WHERE seq = 5");
            fixture.sql("UPDATE audit_events SET seq = 5 WHERE seq = 6");
            fixture.sql("UPDATE audit_events SET seq = 6 WHERE seq = -5");
            JsonNode result = fixture.verify();
            assertThat(result.get("valid").asBoolean()).isFalse();
            assertThat(result.get("problems").toString()).contains("\"seq\":5").contains("\"seq\":6");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void a_chain_rehashed_after_an_edit_with_its_head_set_to_match_is_found_by_the_seals(String database)
            throws SQLException {
        try (Fixture fixture = fixture(database)) {
            List<AuditEvent> events = fixture.events();
            String previous = events.get(1).hash();
            try (Connection connection = fixture.connect()) {
                for (AuditEvent event : events.subList(2, events.size())) {
                    String actor = event.seq() == 3 ? "mallory" : event.actor();
                    String hash = AuditChain.hash(event.seq(), event.time(), actor, event.action(), event.target(),
                            event.details(), previous);
                    try (PreparedStatement update = connection.prepareStatement(
                            "UPDATE audit_events SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?")) {
                        update.setString(1, actor);
                        update.setString(2, previous);
                        update.setString(3, hash);
                        update.setLong(4, event.seq());
                        update.executeUpdate();
                    }
                    previous = hash;
                }
                try (PreparedStatement head = connection.prepareStatement("UPDATE audit_head SET hash = ?")) {
                    head.setString(1, previous);
                    head.executeUpdate();
                }
                if (!connection.getAutoCommit()) {
                    connection.commit();
                }
            }
            JsonNode result = fixture.verify();
            assertThat(result.get("valid").asBoolean()).isFalse();
            assertThat(result.get("problems").toString()).contains("\"seq\":3").contains("seal does not match")
                    .contains("head is not sealed").doesNotContain("previous-hash").doesNotContain("(edited)");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void deleting_the_newest_events_and_setting_back_an_older_sealed_head_is_found_by_the_checkpoint(String database)
            throws Exception {
        try (Fixture fixture = fixture(database)) {
            AuditRepository.Head older = fixture.head();
            fixture.server.admin.post("/profiles", Map.of("name", "later", "vcpus", 1, "memoryMib", 512, "diskGib", 1))
                    .expect(201);
            long newest = fixture.head().seq();
            awaitCheckpoint(fixture, newest);
            fixture.sql("DELETE FROM audit_events WHERE seq > " + older.seq());
            fixture.sql("UPDATE audit_head SET seq = " + older.seq() + ", hash = '" + older.hash() + "', seal = '"
                    + older.seal() + "'");

            JsonNode result = fixture.verify();
            assertThat(result.get("valid").asBoolean()).isFalse();
            assertThat(result.get("problems").toString()).contains("checkpoint")
                    .contains("events " + (older.seq() + 1) + " to " + newest + " were deleted");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void an_event_written_after_the_head_is_reported_and_a_restart_is_refused_until_an_administrator_accepts_it(
            String database) throws SQLException {
        try (Fixture fixture = fixture(database)) {
            long inserted = fixture.head().seq() + 1;
            fixture.sql("INSERT INTO audit_events (seq, event_time, actor, action, target, details, prev_hash, hash,"
                    + " seal) SELECT (SELECT seq FROM audit_head) + 1, event_time, 'mallory', action, target, details,"
                    + " prev_hash, hash, seal FROM audit_events WHERE seq = 1");
            JsonNode result = fixture.verify();
            assertThat(result.get("valid").asBoolean()).isFalse();
            assertThat(result.get("problems").toString()).contains("after the chain's head");
            // What the server cannot record, it does not do: the write is refused, and nothing of it is kept.
            assertThat(fixture.server.admin.post("/profiles", Map.of("name", "refused", "vcpus", 1, "memoryMib", 512,
                    "diskGib", 1)).status()).isEqualTo(500);
            assertThat(fixture.server.admin.get("/profiles").expect(200).json().toString()).doesNotContain("refused");

            fixture.server.closeKeepingData();
            assertThatThrownBy(() -> TestServer.start(Clock.systemUTC(), fixture::sameDatabase))
                    .isInstanceOf(ServerStartException.class).hasMessageContaining("does not verify")
                    .hasMessageContaining("after the chain's head").hasMessageContaining("--accept-audit-chain");

            TestServer accepted = TestServer.start(Clock.systemUTC(),
                    config -> fixture.sameDatabase(config).withAcceptAuditChain(true));
            Fixture again = new Fixture(accepted, fixture.url(), fixture.user(), fixture.password());
            JsonNode after = again.verify();
            assertThat(after.get("valid").asBoolean()).as("%s", after).isTrue();
            // The head moved to the inserted event, which is now a link of the chain that does not fit: accepted.
            assertThat(after.get("accepted").toString()).contains("\"seq\":" + inserted);
            accepted.admin.post("/profiles", Map.of("name", "after", "vcpus", 1, "memoryMib", 512, "diskGib", 1))
                    .expect(201);
            assertThat(accepted.admin.get("/audit?action=audit.chain-accepted").expect(200).json()).hasSize(1);
            accepted.closeKeepingData();

            // Accepted once, the chain verifies: later starts need nothing more.
            TestServer later = TestServer.start(Clock.systemUTC(), fixture::sameDatabase);
            assertThat(later.admin.get("/audit/verify").expect(200).json().get("valid").asBoolean()).isTrue();
            later.close();
        }
    }

    @org.junit.jupiter.api.Test
    void a_chain_written_before_the_server_had_an_audit_key_is_sealed_at_its_first_start() throws Exception {
        Path data = Files.createTempDirectory("asterism-unsealed-");
        try (JdbcStore old = JdbcStore.h2(data)) {
            for (int i = 0; i < 3; i++) {
                int n = i;
                old.call(transaction -> transaction.audit().append("admin", "test.event", "test:" + n, Map.of(),
                        Instant.now()));
            }
        }
        TestServer server = TestServer.start(Clock.systemUTC(), config -> config.withDataDirectory(data));
        try {
            JsonNode result = server.admin.get("/audit/verify").expect(200).json();
            assertThat(result.get("valid").asBoolean()).as("%s", result).isTrue();
            JsonNode sealed = server.admin.get("/audit?action=audit.sealed").expect(200).json();
            assertThat(sealed).hasSize(1);
            assertThat(sealed.get(0).get("details").get("sealedThrough").asText()).isEqualTo("3");
            assertThat(server.admin.get("/audit?limit=3").expect(200).json()).allSatisfy(event ->
                    assertThat(event.get("seal").asText()).matches("[0-9a-f]{64}"));
            assertThat(Files.getPosixFilePermissions(data.resolve(AuditSeals.KEY)))
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        } finally {
            server.close();
        }
    }

    @org.junit.jupiter.api.Test
    void a_server_without_the_audit_key_that_sealed_the_chain_refuses_to_start_and_says_what_to_copy()
            throws Exception {
        PostgresServer.Database db = PostgresServer.shared().createDatabase();
        TestServer first = TestServer.start(Clock.systemUTC(), config -> config.withDatabase(db.jdbcUrl(), db.user(),
                db.password()));
        first.close();
        assertThatThrownBy(() -> TestServer.start(Clock.systemUTC(), config -> config.withDatabase(db.jdbcUrl(),
                db.user(), db.password())))
                .isInstanceOf(ServerStartException.class).hasMessageContaining("sealed with a key")
                .hasMessageContaining("copy audit.key");
    }

    private static void awaitCheckpoint(Fixture fixture, long seq) throws Exception {
        Path checkpoint = fixture.server.dataDirectory.resolve(AuditSeals.CHECKPOINT);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(checkpoint) && Long.parseLong(Files.readString(checkpoint).split(" ")[0]) >= seq) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no checkpoint of event " + seq + " within 10 s");
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void a_rewritten_chain_does_not_match_its_head(String database) throws SQLException {
        try (Fixture fixture = fixture(database)) {
            // Replacing the last event with a self-consistent one still leaves the head pointing at the old hash.
            fixture.sql("UPDATE audit_events SET hash = prev_hash WHERE seq = (SELECT MAX(seq) FROM audit_events)");
            JsonNode result = fixture.verify();
            assertThat(result.get("valid").asBoolean()).isFalse();
        }
    }
}
