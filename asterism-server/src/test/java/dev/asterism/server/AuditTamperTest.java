package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.testing.PostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Edits, deletions and reorderings made directly in the database are found by the chain's verification. */
class AuditTamperTest {

    private record Fixture(TestServer server, String url, String user, String password) implements AutoCloseable {
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
            url = "jdbc:h2:file:" + server.dataDirectory.resolve("asterism");
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
    void a_rewritten_chain_does_not_match_its_head(String database) throws SQLException {
        try (Fixture fixture = fixture(database)) {
            // Replacing the last event with a self-consistent one still leaves the head pointing at the old hash.
            fixture.sql("UPDATE audit_events SET hash = prev_hash WHERE seq = (SELECT MAX(seq) FROM audit_events)");
            JsonNode result = fixture.verify();
            assertThat(result.get("valid").asBoolean()).isFalse();
        }
    }
}
