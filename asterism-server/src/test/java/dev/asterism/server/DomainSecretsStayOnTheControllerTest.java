package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asterism.agent.AgentState;
import dev.asterism.protocol.JoinBundle;
import dev.asterism.protocol.ProtocolCodec;
import dev.asterism.protocol.SealedBox;
import dev.asterism.protocol.Sealing;
import dev.asterism.store.JdbcStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The domain admin password and every one-time join password stay on the controlling VM: the server's database,
 * audit log, API answers and logs hold neither. The one-time password is recovered here the only way there is,
 * by opening the sealed bundle with the member's private key from inside the member "VM".
 */
class DomainSecretsStayOnTheControllerTest {

    @Test
    void the_domain_admin_password_and_the_one_time_passwords_never_reach_the_server() throws Exception {
        PrintStream originalErr = System.err;
        ByteArrayOutputStream logs = new ByteArrayOutputStream();
        System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
        List<String> secrets = new ArrayList<>();
        List<String> responses = new ArrayList<>();
        String database;
        try (TestServer server = TestServer.start()) {
            Api admin = server.admin;
            admin.post("/constellations", Map.of("name", "sx", "brick", "controller")).expect(202);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!admin.get("/constellations/sx").expect(200).json().get("state").asText().equals("ACTIVE")) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.sleep(20);
            }
            admin.post("/constellations/sx/members", Map.of("brick", "worker", "count", 2)).expect(202);
            while (!admin.get("/constellations/sx").expect(200).json().get("members").findValuesAsText("phase")
                    .equals(List.of("READY", "READY"))) {
                assertThat(System.nanoTime()).isLessThan(deadline + Duration.ofSeconds(30).toNanos());
                Thread.sleep(20);
            }
            Path agents = server.dataDirectory.resolve("sim-agents");
            String controllerId = admin.get("/vms/sx-controller").expect(200).json().get("id").asText();
            secrets.add(AgentState.load(agents.resolve(controllerId)).administratorPassword().orElseThrow().reveal());

            String url = JdbcStore.h2Url(server.dataDirectory);
            for (String member : List.of("w1", "w2")) {
                String vmId = admin.get("/vms/sx-" + member).expect(200).json().get("id").asText();
                String[] sealed = sealedBundleOf(url, member).split("\n", -1);
                SealedBox box = new SealedBox(sealed[1], sealed[2], sealed[3], sealed[4]);
                byte[] plain = new Sealing().open(box, AgentState.load(agents.resolve(vmId)).privateKey(),
                        JoinBundle.associatedDataFor(vmId));
                JoinBundle bundle = new ProtocolCodec().decodeJoinBundle(plain);
                secrets.add(bundle.oneTimePassword());
            }
            for (String path : List.of("/constellations/sx", "/vms", "/audit?limit=1000", "/metrics")) {
                responses.add(admin.get(path).body());
            }
            database = DatabaseDump.of(url);
        } finally {
            System.setErr(originalErr);
        }
        assertThat(secrets).hasSize(3).allSatisfy(secret -> assertThat(secret).hasSizeGreaterThan(12));
        String logText = logs.toString(StandardCharsets.UTF_8);
        for (String secret : secrets) {
            assertThat(database).as("the database").doesNotContain(secret);
            assertThat(String.join("\n", responses)).as("API answers").doesNotContain(secret);
            assertThat(logText).as("logs").doesNotContain(secret);
        }
    }

    private static String sealedBundleOf(String url, String member) throws Exception {
        try (Connection connection = DriverManager.getConnection(url, "sa", "");
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(
                        "SELECT sealed_bundle FROM members WHERE name = '" + member + "'")) {
            row.next();
            return row.getString(1);
        }
    }
}
