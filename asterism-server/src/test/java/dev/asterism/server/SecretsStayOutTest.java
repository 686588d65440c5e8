package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asterism.store.JdbcStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** No password, token or the registration key ever lands in the database, the audit log, an API response or a log line. */
class SecretsStayOutTest {

    private static void awaitActive(Api admin) throws InterruptedException {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        while (!admin.get("/constellations/vault").expect(200).json().get("state").asText().equals("ACTIVE")) {
            assertThat(System.nanoTime()).as("vault ACTIVE within 30 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void passwords_and_token_secrets_appear_nowhere_but_where_they_were_handed_out() throws Exception {
        PrintStream originalErr = System.err;
        PrintStream originalOut = System.out;
        ByteArrayOutputStream logs = new ByteArrayOutputStream();
        List<String> julRecords = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                julRecords.add(record.getMessage() + " " + (record.getThrown() == null ? "" : record.getThrown()));
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger.getLogger("").addHandler(capture);
        PrintStream tee = new PrintStream(logs, true, StandardCharsets.UTF_8);
        System.setErr(tee);
        System.setOut(tee);
        List<String> responses = new ArrayList<>();
        List<String> secrets = new ArrayList<>();
        try (TestServer server = TestServer.start()) {
            secrets.add(TestServer.ADMIN_PASSWORD);
            secrets.add(server.admin.token);
            secrets.add(java.nio.file.Files.readString(server.dataDirectory.resolve(RegistrationKey.FILE)).strip());
            Api admin = server.admin;
            String userPassword = "correct-horse-battery";
            secrets.add(userPassword);
            responses.add(admin.post("/users", Map.of("username", "zoe", "password", userPassword, "role", "user"))
                    .expect(201).body());
            var token = Api.anonymous(server.url()).post("/auth/tokens",
                    Map.of("username", "zoe", "password", userPassword, "name", "zoe-cli")).expect(201).json();
            secrets.add(token.get("token").asText());
            var login = Api.anonymous(server.url()).post("/auth/login",
                    Map.of("username", "zoe", "password", userPassword)).expect(200);
            String cookie = login.header("Set-Cookie");
            secrets.add(cookie.substring("asterism_session=".length(), cookie.indexOf(';')));
            // A password typed into the user name field must not be recorded either.
            Api.anonymous(server.url()).post("/auth/tokens", Map.of("username", userPassword, "password", "x"));
            Api.anonymous(server.url()).post("/auth/tokens", Map.of("username", "zoe", "password", "wrong-guess-1"));
            secrets.add("wrong-guess-1");
            admin.put("/bricks/worker/grants/zoe", Map.of("level", "use")).expect(200);
            Api zoe = new Api(server.url(), token.get("token").asText());
            zoe.post("/vms", Map.of("name", "secretive", "brick", "worker")).expect(202);
            server.awaitVmState(zoe, "secretive", "RUNNING");
            // A desktop password: relayed to the controller, kept nowhere on the server side (nor in its agent's
            // record of answered commands); a refused one neither.
            admin.post("/constellations", Map.of("name", "vault", "brick", "controller")).expect(202);
            awaitActive(admin);
            admin.post("/constellations/vault/people", Map.of("usernames", List.of("zoe"))).expect(202);
            String desktopPassword = "Zoe-Desk-2031!";
            String refusedPassword = "zoe-weak";
            secrets.add(desktopPassword);
            secrets.add(refusedPassword);
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
            while (zoe.put("/constellations/vault/password", Map.of("password", desktopPassword)).status() == 409) {
                assertThat(System.nanoTime()).as("zoe's account made within 30 s").isLessThan(deadline);
                Thread.sleep(20);
            }
            responses.add(zoe.put("/constellations/vault/password", Map.of("password", refusedPassword)).expect(422)
                    .body());
            responses.add(zoe.get("/constellations/vault/people").expect(200).body());
            for (String path : List.of("/vms", "/users", "/tokens", "/audit?limit=1000", "/audit/verify", "/bricks",
                    "/auth/whoami")) {
                responses.add(admin.get(path).body());
                responses.add(zoe.get(path).body());
            }
            responses.add(admin.get("/metrics").body());

            String database = DatabaseDump.of(JdbcStore.h2Url(server.dataDirectory));
            for (String secret : secrets) {
                assertThat(database).as("the database").doesNotContain(secret);
                assertThat(String.join("\n", responses)).as("API responses").doesNotContain(secret);
            }
            assertThat(database).contains("zoe").contains("$argon2id$");
            String agentStates = DatabaseDump.filesUnder(server.dataDirectory.resolve("sim-agents"));
            assertThat(agentStates).as("the agents' state").isNotEmpty().doesNotContain(desktopPassword)
                    .doesNotContain(refusedPassword);
        } finally {
            System.setErr(originalErr);
            System.setOut(originalOut);
            Logger.getLogger("").removeHandler(capture);
        }
        String allLogs = logs.toString(StandardCharsets.UTF_8) + String.join("\n", julRecords);
        assertThat(allLogs).contains("Javalin");
        for (String secret : secrets) {
            assertThat(allLogs).as("log output").doesNotContain(secret);
        }
    }
}
