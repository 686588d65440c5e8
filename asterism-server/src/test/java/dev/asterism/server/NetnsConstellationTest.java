package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.guest.linux.HostCommands;
import dev.asterism.guest.linux.LinuxPackages;
import dev.asterism.guest.linux.NetnsHosts;
import dev.asterism.realm.netns.NetnsRealm;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The seed's flow end to end on the netns realm: every VM a Linux host in namespaces of this machine with its agent
 * as a child JVM, a real Samba AD domain controller, real adcli joins, a real WireGuard VPN (wireguard-go), real
 * nftables. Driven through the server's API only; checked from inside the hosts as an administrator or a domain user
 * would. Needs root and the packages {@link LinuxPackages} names ({@code ./test} installs them).
 */
class NetnsConstellationTest {
    private static final String PREFIX = "aste2e";
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(4);

    private TestServer server;
    private Api admin;
    private NetnsRealm realm;

    @BeforeAll
    static void clearLeftovers() {
        LinuxPackages.requireInstalled();
        new NetnsHosts(PREFIX).removeLeftovers();
    }

    @BeforeEach
    void start() {
        server = TestServer.start(Clock.systemUTC(), config -> config.withRealm("netns", "zero")
                .withNetnsPrefix(PREFIX).withPhaseTimeout(Duration.ofMinutes(3)));
        admin = server.admin;
        realm = server.server.netnsRealm().orElseThrow();
    }

    @AfterEach
    void stop() {
        try {
            server.close();
        } finally {
            new NetnsHosts(PREFIX).removeLeftovers();
        }
    }

    @Test
    void two_workers_join_the_domain_and_a_domain_user_gets_a_ticket_on_each() {
        admin.post("/constellations", Map.of("name", "c1", "brick", "controller")).expect(202);
        await("c1", c -> c.get("state").asText().equals("ACTIVE"), "ACTIVE");
        admin.post("/constellations/c1/members", Map.of("brick", "worker", "count", 2)).expect(202);
        JsonNode ready = await("c1", c -> phases(c).equals(List.of("READY", "READY")), "two READY members");

        HostCommands controller = host("c1-controller");
        String computers = controller.require(List.of("samba-tool", "computer", "list"), "list computers");
        assertThat(computers.lines().map(String::strip).filter(line -> !line.isEmpty()).toList())
                .as("computer accounts on the controller").hasSize(3);
        controller.require(List.of("samba-tool", "user", "create", "alice", "Alice-Pass-2030"), "create alice");
        for (String member : ready.get("members").findValuesAsText("name")) {
            HostCommands worker = host("c1-" + member);
            HostCommands.Result ticket = worker.run(List.of("sh", "-c", "kinit alice && klist"),
                    "Alice-Pass-2030\n".getBytes(StandardCharsets.UTF_8), Map.of(), Duration.ofSeconds(30));
            assertThat(ticket.succeeded()).as("kinit on %s: %s", member, ticket.printed()).isTrue();
            assertThat(ticket.output()).contains("alice@C1.ASTERISM.TEST");
        }
    }

    private HostCommands host(String vmName) {
        String vmId = admin.get("/vms/" + vmName).expect(200).json().get("id").asText();
        return realm.commandsIn(vmId).orElseThrow(() -> new AssertionError("no netns host for " + vmName));
    }

    private JsonNode await(String name, Predicate<JsonNode> done, String what) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = admin.get("/constellations/" + name).expect(200).json();
            if (done.test(last)) {
                return last;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("constellation " + name + " did not reach " + what + " within " + READY_TIMEOUT
                + ": " + last);
    }

    private static List<String> phases(JsonNode constellation) {
        return constellation.get("members").findValuesAsText("phase");
    }
}
