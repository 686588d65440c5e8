package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;

/**
 * Random interleavings of add, remove, destroy, server restart and pauses over three constellations, while the
 * reconciler works: once the requests stop, everything converges to what was asked (each constellation ACTIVE
 * with exactly its added-and-not-removed members READY, or DESTROYED) and the invariant checker finds nothing.
 * A restart here is the server closing and a new one opening on the same data directory; SIGKILL is
 * ServerCrashTest's.
 */
class OnboardingInterleavingsPropertyTest {
    private static final List<String> CONSTELLATIONS = List.of("pa", "pb", "pc");
    private static final Duration SETTLE = Duration.ofSeconds(90);

    sealed interface Action permits Add, Remove, Destroy, Restart, Pause {
    }

    record Add(int constellation, int count) implements Action {
    }

    record Remove(int constellation, int pick) implements Action {
    }

    record Destroy(int constellation) implements Action {
    }

    record Restart() implements Action {
    }

    record Pause(int millis) implements Action {
    }

    @Provide
    Arbitrary<List<Action>> scripts() {
        Arbitrary<Integer> constellation = Arbitraries.integers().between(0, CONSTELLATIONS.size() - 1);
        Arbitrary<Action> action = Arbitraries.frequencyOf(
                Tuple.of(6, constellation.flatMap(c -> Arbitraries.integers().between(1, 2)
                        .map(n -> (Action) new Add(c, n)))),
                Tuple.of(3, constellation.flatMap(c -> Arbitraries.integers().between(0, 9)
                        .map(p -> (Action) new Remove(c, p)))),
                Tuple.of(1, constellation.map(c -> (Action) new Destroy(c))),
                Tuple.of(1, Arbitraries.just((Action) new Restart())),
                Tuple.of(3, Arbitraries.integers().between(0, 300).map(ms -> (Action) new Pause(ms))));
        return action.list().ofMinSize(3).ofMaxSize(10);
    }

    @Property(tries = 10, shrinking = ShrinkingMode.OFF)
    void interleavings_converge_with_the_invariants_holding(@ForAll("scripts") List<Action> script)
            throws Exception {
        TestServer server = TestServer.start();
        Path data = server.dataDirectory;
        try {
            for (String name : CONSTELLATIONS) {
                server.admin.post("/constellations", Map.of("name", name, "brick", "controller")).expect(202);
            }
            Map<String, Set<String>> expected = new HashMap<>();
            CONSTELLATIONS.forEach(name -> expected.put(name, new TreeSet<>()));
            Set<String> destroyed = new HashSet<>();
            int next = 1;
            for (Action action : script) {
                switch (action) {
                    case Add add -> {
                        String name = CONSTELLATIONS.get(add.constellation());
                        List<String> members = new ArrayList<>();
                        for (int i = 0; i < add.count(); i++) {
                            members.add("n" + next++);
                        }
                        Api.Response response = server.admin.post("/constellations/" + name + "/members",
                                Map.of("brick", "worker", "names", members));
                        if (response.status() == 202) {
                            expected.get(name).addAll(members);
                        } else {
                            // Refused while the constellation is still provisioning, or once it is destroyed.
                            assertThat(response.status()).as("adding to %s: %s", name, response.body())
                                    .isEqualTo(409);
                        }
                    }
                    case Remove remove -> {
                        String name = CONSTELLATIONS.get(remove.constellation());
                        List<String> members = new ArrayList<>(expected.get(name));
                        if (!members.isEmpty() && !destroyed.contains(name)) {
                            String member = members.get(remove.pick() % members.size());
                            server.admin.delete("/constellations/" + name + "/members/" + member).expect(202);
                            expected.get(name).remove(member);
                        }
                    }
                    case Destroy destroy -> {
                        String name = CONSTELLATIONS.get(destroy.constellation());
                        if (destroyed.add(name)) {
                            server.admin.delete("/constellations/" + name).expect(202);
                        }
                    }
                    case Restart ignored -> {
                        server.closeKeepingData();
                        server = TestServer.start(Clock.systemUTC(),
                                config -> config.withDataDirectory(data));
                    }
                    case Pause pause -> Thread.sleep(pause.millis());
                }
            }
            settle(server, expected, destroyed, script);
            server.assertInvariants();

            for (String name : CONSTELLATIONS) {
                if (!destroyed.contains(name)) {
                    server.admin.delete("/constellations/" + name).expect(202);
                }
            }
            settle(server, Map.of(), new HashSet<>(CONSTELLATIONS), script);
            server.sim().assertNoLeaks();
            assertThat(server.server.simAgents().orElseThrow().network().guests()).isEmpty();
        } finally {
            server.close();
        }
    }

    /** Waits until every constellation is as asked: DESTROYED, or ACTIVE with exactly its members READY. */
    private static void settle(TestServer server, Map<String, Set<String>> expected, Set<String> destroyed,
            List<Action> script) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        Map<String, String> last = new HashMap<>();
        while (true) {
            boolean settled = true;
            for (String name : CONSTELLATIONS) {
                JsonNode constellation = server.admin.get("/constellations/" + name).expect(200).json();
                String state = constellation.get("state").asText();
                Set<String> ready = new TreeSet<>();
                boolean allReady = true;
                for (JsonNode member : constellation.get("members")) {
                    ready.add(member.get("name").asText());
                    allReady &= member.get("phase").asText().equals("READY");
                }
                boolean done = destroyed.contains(name) ? state.equals("DESTROYED")
                        : state.equals("ACTIVE") && allReady && ready.equals(expected.get(name));
                settled &= done;
                last.put(name, constellation.toString());
            }
            if (settled) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no convergence within " + SETTLE + " after " + script + "; expected "
                        + expected + ", destroyed " + destroyed + "; last seen " + last);
            }
            Thread.sleep(50);
        }
    }
}
