package dev.asterism.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asterism.core.auth.PasswordHasher;
import dev.asterism.server.AsterismServer;
import dev.asterism.server.ServerConfig;
import dev.asterism.store.JdbcStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line against a real server on loopback, as in the README. */
class CliAgainstRealServerTest {
    private static final String ADMIN_PASSWORD = "admin-password-for-cli-tests";
    private static AsterismServer server;
    private static Path data;

    @TempDir
    static Path temporary;

    @BeforeAll
    static void start() {
        data = temporary.resolve("data");
        server = AsterismServer.start(ServerConfig.defaults(data).withPort(0).withAgentPort(0).withRealm("sim", "zero")
                .withAdminPassword(ADMIN_PASSWORD), Clock.systemUTC(), new PasswordHasher(256, 1, 1));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static CliRunner loggedIn(String directory, String user, String password) {
        CliRunner cli = new CliRunner(temporary.resolve(directory)).withVariable("ASTERISM_PASSWORD", password);
        CliRunner.Result login = cli.run("login", "--server", server.url(), "--user", user);
        assertThat(login.exitCode()).as(login.err()).isZero();
        return cli;
    }

    @Test
    void the_readme_walk_through_works_against_a_real_server() throws Exception {
        CliRunner cli = loggedIn("admin-config", "admin", ADMIN_PASSWORD);
        assertThat(cli.run("whoami").out()).contains("admin").contains("super-admin");
        assertThat(cli.run("brick", "list").out()).contains("controller").contains("worker");

        CliRunner.Result started = cli.run("vm", "start", "--brick", "worker", "--name", "w1", "--wait", "--timeout", "1h");
        assertThat(started.exitCode()).as(started.err()).isZero();
        assertThat(started.out()).contains("RUNNING");

        CliRunner.Result list = cli.run("vm", "list", "--json");
        JsonNode vms = new ObjectMapper().readTree(list.out());
        assertThat(vms.findValuesAsText("name")).containsExactly("w1");
        assertThat(vms.get(0).get("state").asText()).isEqualTo("RUNNING");

        assertThat(cli.run("vm", "stop", "w1", "--wait", "--timeout", "1h").exitCode()).isZero();
        assertThat(cli.run("vm", "destroy", "w1", "--wait", "--timeout", "1h").exitCode()).isZero();
        assertThat(cli.run("vm", "list").out()).doesNotContain("w1");

        CliRunner.Result verified = cli.run("audit", "verify");
        assertThat(verified.exitCode()).isZero();
        assertThat(verified.out()).contains("audit chain valid");
    }

    @Test
    void a_constellation_is_created_watched_until_its_members_are_ready_and_destroyed() {
        CliRunner cli = loggedIn("admin-config-4", "admin", ADMIN_PASSWORD);
        CliRunner.Result created = cli.run("constellation", "create", "--brick", "controller", "--name", "cc");
        assertThat(created.exitCode()).as(created.err()).isZero();
        assertThat(created.out()).contains("CC.ASTERISM.TEST");
        // The constellation takes members once its controller is ACTIVE; watch waits for that.
        assertThat(cli.run("constellation", "watch", "cc", "--timeout", "1h").exitCode()).isZero();
        CliRunner.Result added = cli.run("constellation", "add", "cc", "--brick", "worker", "--count", "2");
        assertThat(added.exitCode()).as(added.err()).isZero();
        CliRunner.Result watched = cli.run("constellation", "watch", "cc", "--timeout", "1h");
        assertThat(watched.exitCode()).as(watched.out() + watched.err()).isZero();
        assertThat(watched.out()).contains("w1").contains("READY").contains("[##############]");
        CliRunner.Result shown = cli.run("constellation", "show", "cc");
        assertThat(shown.out()).contains("ACTIVE").contains("w2").contains("10.77.0.11");
        // The sim realm's controller runs no batch scheduler, and says so.
        assertThat(shown.out()).contains("SLURM").contains("no batch scheduler");
        assertThat(shown.out()).containsPattern("clipboard +off");
        CliRunner.Result clipboard = cli.run("constellation", "clipboard", "cc", "to-desktop");
        assertThat(clipboard.exitCode()).as(clipboard.err()).isZero();
        assertThat(clipboard.out()).contains("cc: clipboard to-desktop");
        CliRunner.Result sideways = cli.run("constellation", "clipboard", "cc", "sideways");
        assertThat(sideways.exitCode()).isNotZero();
        assertThat(sideways.err()).contains("off, to-desktop, from-desktop, both").doesNotContain("Exception");
        assertThat(cli.run("constellation", "show", "cc").out()).containsPattern("clipboard +to-desktop");
        CliRunner.Result jobs = cli.run("constellation", "jobs", "cc");
        assertThat(jobs.exitCode()).as(jobs.err()).isZero();
        assertThat(jobs.out()).contains("no batch nodes").contains("no jobs queued or running")
                .contains("no batch scheduler");
        assertThat(cli.run("constellation", "list", "--json").out()).contains("\"name\" : \"cc\"");
        assertThat(cli.run("constellation", "remove", "cc", "w2").exitCode()).isZero();
        assertThat(cli.run("constellation", "destroy", "cc").out()).contains("DESTROYING");
    }

    @Test
    void create_and_add_wait_with_progress_when_asked_and_say_how_it_ended_in_the_exit_code() {
        CliRunner cli = loggedIn("admin-config-5", "admin", ADMIN_PASSWORD);
        CliRunner.Result created = cli.run("constellation", "create", "--brick", "controller", "--name", "cw",
                "--wait", "--timeout", "1h");
        assertThat(created.exitCode()).as(created.err()).isZero();
        assertThat(created.out()).contains("cw: ACTIVE").doesNotContain("follow it with");
        CliRunner.Result added = cli.run("constellation", "add", "cw", "--brick", "worker", "--count", "2", "--wait",
                "--timeout", "1h");
        assertThat(added.exitCode()).as(added.out() + added.err()).isZero();
        assertThat(added.out()).contains("w1").contains("w2").contains("[##############] READY");
        assertThat(cli.run("constellation", "destroy", "cw").exitCode()).isZero();
    }

    @Test
    void a_user_without_a_grant_is_refused_with_a_readable_error() {
        CliRunner admin = loggedIn("admin-config-2", "admin", ADMIN_PASSWORD);
        CliRunner.Result created = admin.withVariable("ASTERISM_NEW_USER_PASSWORD", "eve-password-long")
                .run("user", "create", "eve", "--role", "user");
        assertThat(created.exitCode()).as(created.err()).isZero();
        CliRunner eve = loggedIn("eve-config", "eve", "eve-password-long");
        CliRunner.Result refused = eve.run("vm", "start", "--brick", "worker", "--name", "e1");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("error: no brick named 'worker' (NOT_FOUND)").doesNotContain("Exception");
        assertThat(admin.run("grant", "set", "worker", "eve", "--level", "use").exitCode()).isZero();
        assertThat(eve.run("vm", "start", "--brick", "worker", "--name", "e1", "--wait", "--timeout", "1h").exitCode())
                .isZero();
        assertThat(eve.run("audit", "verify").exitCode()).isEqualTo(1);
    }

    @Test
    void a_project_with_a_level_and_a_quota_is_made_joined_and_its_quota_holds_from_the_command_line() {
        CliRunner admin = loggedIn("admin-config-6", "admin", ADMIN_PASSWORD);
        assertThat(admin.run("level", "set", "public", "internal", "--describe", "internal=staff only").out())
                .contains("levels: public < internal");
        assertThat(admin.run("level", "list").out()).contains("internal  staff only");
        CliRunner.Result created = admin.withVariable("ASTERISM_NEW_USER_PASSWORD", "finn-password-long")
                .run("user", "create", "finn", "--role", "user");
        assertThat(created.exitCode()).as(created.err()).isZero();
        assertThat(admin.run("grant", "set", "worker", "finn", "--level", "use").exitCode()).isZero();
        assertThat(admin.run("project", "create", "study", "--level", "internal", "--max-vms", "1",
                "--description", "a small study").out()).contains("created project study at internal");
        CliRunner.Result uncleared = admin.run("project", "add", "study", "finn");
        assertThat(uncleared.exitCode()).isEqualTo(1);
        assertThat(uncleared.err()).contains("finn is cleared for 'public'").doesNotContain("Exception");
        assertThat(admin.run("user", "clearance", "finn", "internal").out()).contains("cleared finn for internal");
        assertThat(admin.run("project", "add", "study", "finn", "--role", "manager").out())
                .contains("finn is a manager of study");
        assertThat(admin.run("brick", "level", "worker", "internal").exitCode()).isZero();

        CliRunner finn = loggedIn("finn-config", "finn", "finn-password-long");
        assertThat(finn.run("vm", "start", "--brick", "worker", "--name", "f1", "--project", "study").exitCode())
                .isZero();
        CliRunner.Result over = finn.run("vm", "start", "--brick", "worker", "--name", "f2", "--project", "study");
        assertThat(over.exitCode()).isEqualTo(1);
        assertThat(over.err()).contains("project study uses 1 of 1 VMs; VM f2 needs 1").contains("(CONFLICT)");
        CliRunner.Result shown = finn.run("project", "show", "study");
        assertThat(shown.out()).contains("a small study").containsPattern("VMs\\s+1\\s+1")
                .containsPattern("vCPUs\\s+1\\s+no limit").containsPattern("finn\\s+manager");
        assertThat(finn.run("project", "list").out()).contains("study").contains("default");
        assertThat(admin.run("project", "quota", "study", "--max-vms", "none", "--max-vcpus", "8").exitCode())
                .isZero();
        assertThat(finn.run("vm", "start", "--brick", "worker", "--name", "f2", "--project", "study").exitCode())
                .isZero();
        assertThat(finn.run("project", "show", "study", "--json").out()).contains("\"vcpus\" : 8");
        assertThat(finn.run("project", "usage", "study", "--since", "2000-01-01").out())
                .containsPattern("finn\\s+\\d\\s+0\\.\\d\\d\\s+0\\.\\d\\d");
        assertThat(finn.run("project", "usage", "study", "--csv").out().lines().toList().getFirst())
                .isEqualTo("project,user,vms,vm_hours,vcpu_hours");
        CliRunner.Result badDate = finn.run("project", "usage", "study", "--since", "last week");
        assertThat(badDate.exitCode()).isEqualTo(1);
        assertThat(badDate.err()).contains("must be a date");
        assertThat(admin.run("team", "create", "bench", "--description", "the bench scientists").exitCode()).isZero();
        assertThat(admin.run("team", "add", "bench", "finn").out()).contains("added finn to bench");
        assertThat(admin.run("project", "add-team", "study", "bench").out())
                .contains("team bench takes part in study as researcher");
        assertThat(admin.run("grant", "set-team", "controller", "bench", "--level", "use").exitCode()).isZero();
        assertThat(admin.run("grant", "teams", "controller").out()).containsPattern("bench\\s+use");
        assertThat(finn.run("team", "show", "bench").out()).containsPattern("members\\s+finn");
        assertThat(finn.run("project", "show", "study").out()).containsPattern("team bench\\s+researcher");
        assertThat(admin.run("project", "remove-team", "study", "bench").exitCode()).isZero();
        assertThat(admin.run("team", "delete", "bench").exitCode()).isZero();
        // The other tests list every VM: these go.
        for (String vm : List.of("f1", "f2")) {
            assertThat(finn.run("vm", "destroy", vm, "--wait", "--timeout", "1h").exitCode()).isZero();
        }
    }

    @Test
    void audit_verify_fails_after_the_database_was_edited() throws Exception {
        CliRunner cli = loggedIn("admin-config-3", "admin", ADMIN_PASSWORD);
        assertThat(cli.run("audit", "verify").exitCode()).isZero();
        try (Connection connection = DriverManager.getConnection(JdbcStore.h2Url(data), "sa", "");
                Statement statement = connection.createStatement()) {
            String original;
            try (var row = statement.executeQuery("SELECT target FROM audit_events WHERE seq = 2")) {
                row.next();
                original = row.getString(1);
            }
            statement.executeUpdate("UPDATE audit_events SET target = 'user:nobody' WHERE seq = 2");
            try {
                CliRunner.Result tampered = cli.run("audit", "verify");
                assertThat(tampered.exitCode()).isEqualTo(1);
                assertThat(tampered.out() + tampered.err()).contains("2").contains("edited");
            } finally {
                // The other tests share this server: put the event back as it was.
                statement.executeUpdate("UPDATE audit_events SET target = '" + original + "' WHERE seq = 2");
            }
        }
        assertThat(cli.run("audit", "verify").exitCode()).isZero();
    }
}
