package dev.asterism.store;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.asterism.core.store.Store;
import dev.asterism.testing.PostgresServer;
import org.junit.jupiter.api.Test;

/**
 * The store contract on a real PostgreSQL server that the test starts itself; it fails with the install hint
 * when PostgreSQL is missing, and is never skipped.
 */
class PostgresStoreTest extends StoreContract {

    @Override
    protected Store newStore() {
        PostgresServer.Database database = PostgresServer.shared().createDatabase();
        return JdbcStore.open(database.jdbcUrl(), database.user(), database.password(), "PostgreSQL test database");
    }

    @Test
    void a_database_from_before_projects_keeps_its_data_in_the_default_project() throws Exception {
        PostgresServer.Database database = PostgresServer.shared().createDatabase();
        aDatabaseFromBeforeProjectsKeepsItsDataInTheDefaultProject(database.jdbcUrl(), database.user(),
                database.password());
    }

    @Test
    void a_database_migrated_before_a_migration_was_reworded_still_opens() throws Exception {
        PostgresServer.Database database = PostgresServer.shared().createDatabase();
        aDatabaseMigratedBeforeARewordingStillOpens(database.jdbcUrl(), database.user(), database.password());
    }

    @Test
    void opening_an_unreachable_database_fails_with_a_message_that_hides_the_password() {
        String password = "hunter2-very-secret";

        assertThatThrownBy(() -> JdbcStore.open("jdbc:postgresql://127.0.0.1:1/nothing?user=asterism&password="
                + password + "&connectTimeout=2", "asterism", password, "unreachable"))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("cannot open the database")
                .hasMessageContaining("127.0.0.1:1")
                .hasMessageNotContaining(password);
    }
}
