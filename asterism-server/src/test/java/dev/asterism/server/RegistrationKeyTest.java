package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.asterism.core.store.Transaction;
import dev.asterism.store.JdbcStore;
import dev.asterism.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/**
 * The registration key lives in the data directory and the database keeps only its fingerprint, so that reading the
 * database is not enough to make a token that registers an agent; servers sharing one database must share the file.
 */
class RegistrationKeyTest {

    @Test
    void a_new_server_keeps_the_key_in_its_data_directory_and_only_its_fingerprint_in_the_database() throws Exception {
        try (TestServer server = TestServer.start()) {
            Path file = server.dataDirectory.resolve(RegistrationKey.FILE);
            assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            String key = Files.readString(file).strip();
            assertThat(key).hasSizeGreaterThan(40);
            assertThat(recorded(server)).isEqualTo(RegistrationKey.fingerprint(key)).doesNotContain(key);
        }
    }

    @Test
    void a_database_that_held_the_key_itself_gives_it_to_the_data_directory_at_the_first_start() throws Exception {
        Path data = Files.createTempDirectory("asterism-old-key-");
        try (JdbcStore old = JdbcStore.h2(data)) {
            old.run(transaction -> transaction.secret("registration-key", () -> "the-key-of-earlier-tokens"));
        }
        try (TestServer server = TestServer.start(Clock.systemUTC(), config -> config.withDataDirectory(data))) {
            assertThat(Files.readString(data.resolve(RegistrationKey.FILE)).strip())
                    .isEqualTo("the-key-of-earlier-tokens");
            assertThat(recorded(server)).isEqualTo(RegistrationKey.fingerprint("the-key-of-earlier-tokens"));
        }
    }

    @Test
    void a_second_server_on_the_same_database_starts_only_with_the_same_key_and_says_what_to_copy() throws Exception {
        PostgresServer.Database db = PostgresServer.shared().createDatabase();
        TestServer first = TestServer.start(Clock.systemUTC(), config -> config.withDatabase(db.jdbcUrl(), db.user(),
                db.password()));
        first.closeKeepingData();
        Path firstData = first.dataDirectory;
        Path secondData = Files.createTempDirectory("asterism-second-");
        Files.copy(firstData.resolve(AuditSeals.KEY), secondData.resolve(AuditSeals.KEY));

        assertThatThrownBy(() -> TestServer.start(Clock.systemUTC(), config -> config.withDataDirectory(secondData)
                .withDatabase(db.jdbcUrl(), db.user(), db.password())))
                .isInstanceOf(ServerStartException.class).hasMessageContaining("copy registration.key");
        assertThat(secondData.resolve(RegistrationKey.FILE)).doesNotExist();

        Files.writeString(secondData.resolve(RegistrationKey.FILE), "some-other-key\n");
        assertThatThrownBy(() -> TestServer.start(Clock.systemUTC(), config -> config.withDataDirectory(secondData)
                .withDatabase(db.jdbcUrl(), db.user(), db.password())))
                .isInstanceOf(ServerStartException.class)
                .hasMessageContaining("is not the registration key that this database's servers use");

        Files.copy(firstData.resolve(RegistrationKey.FILE), secondData.resolve(RegistrationKey.FILE),
                StandardCopyOption.REPLACE_EXISTING);
        try (TestServer second = TestServer.start(Clock.systemUTC(), config -> config.withDataDirectory(secondData)
                .withDatabase(db.jdbcUrl(), db.user(), db.password()))) {
            second.admin.get("/vms").expect(200);
        }
    }

    private static String recorded(TestServer server) {
        return server.server.store().call((Transaction transaction) -> transaction.secret("registration-key",
                () -> "none"));
    }
}
