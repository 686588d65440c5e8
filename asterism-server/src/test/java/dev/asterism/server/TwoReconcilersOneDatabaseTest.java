package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.core.constellation.AgentCommands;
import dev.asterism.core.constellation.ConstellationReconciler;
import dev.asterism.core.constellation.Member;
import dev.asterism.core.reconciliation.Claimant;
import dev.asterism.protocol.CommandResult;
import dev.asterism.protocol.ControllerCommand;
import dev.asterism.protocol.Message;
import dev.asterism.testing.PostgresServer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two constellation reconcilers with different claimant ids (as two server processes have) on one PostgreSQL
 * database: every member's commands come from one of them only, and all members reach READY. Exclusivity lives in
 * the database (claims taken with FOR UPDATE SKIP LOCKED), so two reconcilers in one JVM test what two processes
 * would meet.
 */
class TwoReconcilersOneDatabaseTest {
    private TestServer server;
    private ConstellationReconciler first;
    private ConstellationReconciler second;

    @AfterEach
    void stop() {
        for (AutoCloseable closeable : new AutoCloseable[] {first, second}) {
            if (closeable != null) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
        }
        if (server != null) {
            server.close();
        }
    }

    /** Notes which reconciler sent each command about a member; command ids begin with the member's id. */
    private static AgentCommands recording(AgentCommands agents, String who, Map<String, Set<String>> senders) {
        return new AgentCommands() {
            @Override
            public CommandResult execute(String vmId, ControllerCommand command) {
                String subject = command.commandId().substring(0, command.commandId().indexOf('/'));
                senders.computeIfAbsent(subject, ignored -> ConcurrentHashMap.newKeySet()).add(who);
                return agents.execute(vmId, command);
            }

            @Override
            public boolean deliver(String vmId, Message message) {
                return agents.deliver(vmId, message);
            }
        };
    }

    @Test
    void two_reconcilers_on_one_database_never_work_on_the_same_member() throws Exception {
        PostgresServer.Database db = PostgresServer.shared().createDatabase();
        server = TestServer.start(Clock.systemUTC(), config -> config.withDatabase(db.jdbcUrl(), db.user(),
                db.password()));
        server.server.constellationReconciler().close();
        Map<String, Set<String>> senders = new ConcurrentHashMap<>();
        first = reconciler("server-a", senders);
        second = reconciler("server-b", senders);
        first.start();
        second.start();

        server.admin.post("/constellations", Map.of("name", "two", "brick", "controller")).expect(202);
        await(c -> c.get("state").asText().equals("ACTIVE"), "ACTIVE");
        server.admin.post("/constellations/two/members", Map.of("brick", "worker", "count", 12)).expect(202);
        JsonNode ready = await(c -> c.get("members").size() == 12
                && c.get("members").findValuesAsText("phase").stream().allMatch("READY"::equals), "12 READY members");

        Set<String> memberIds = server.server.store().call(t -> t.constellations().members("two", false)).stream()
                .map(Member::id).collect(Collectors.toSet());
        Map<String, Set<String>> memberSenders = senders.entrySet().stream()
                .filter(entry -> memberIds.contains(entry.getKey()))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertThat(memberSenders).as("members with commands").hasSize(12);
        assertThat(memberSenders.values()).as("who worked on each member").allSatisfy(who -> assertThat(who).hasSize(1));
        System.out.println("TwoReconcilersOneDatabaseTest: members per reconciler " + memberSenders.values().stream()
                .flatMap(Set::stream).collect(Collectors.groupingBy(who -> who, Collectors.counting())));
        assertThat(ready.get("members")).hasSize(12);
        server.assertInvariants();
    }

    private ConstellationReconciler reconciler(String claimant, Map<String, Set<String>> senders) {
        return new ConstellationReconciler(server.server.store(), server.server.vms(),
                recording(server.server.gateway(), claimant, senders), Clock.systemUTC(),
                new ConstellationReconciler.Settings(Duration.ofMillis(50), Duration.ofMinutes(10),
                        Duration.ofMinutes(10), 5, new Claimant(claimant, Claimant.DEFAULT_HOLD)));
    }

    private JsonNode await(Predicate<JsonNode> done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = server.admin.get("/constellations/two").expect(200).json();
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("two did not reach " + what + " within 90 s: " + last);
    }
}
