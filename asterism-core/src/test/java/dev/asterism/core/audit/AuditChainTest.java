package dev.asterism.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AuditChainTest {
    private static final Instant T0 = Instant.parse("2030-01-02T03:04:05.678Z");
    private static final Map<String, String> DETAILS = Map.of("brick", "worker", "realm", "sim");
    private static final String PREVIOUS = "a".repeat(64);

    private static String baseHash() {
        return AuditChain.hash(7, T0, "alice", "vm.create", "vm:w1", DETAILS, PREVIOUS);
    }

    @Test
    void the_hash_is_deterministic_and_is_sha256_hex() {
        assertThat(baseHash()).isEqualTo(baseHash()).matches("[0-9a-f]{64}");
    }

    @Test
    void the_hash_does_not_depend_on_the_order_the_details_were_put_in() {
        Map<String, String> reversed = new LinkedHashMap<>();
        reversed.put("realm", "sim");
        reversed.put("brick", "worker");

        assertThat(AuditChain.hash(7, T0, "alice", "vm.create", "vm:w1", reversed, PREVIOUS)).isEqualTo(baseHash());
    }

    @Test
    void the_hash_changes_with_every_field() {
        List<String> variants = List.of(
                AuditChain.hash(8, T0, "alice", "vm.create", "vm:w1", DETAILS, PREVIOUS),
                AuditChain.hash(7, T0.plusMillis(1), "alice", "vm.create", "vm:w1", DETAILS, PREVIOUS),
                AuditChain.hash(7, T0, "alicf", "vm.create", "vm:w1", DETAILS, PREVIOUS),
                AuditChain.hash(7, T0, "alice", "vm.destroy", "vm:w1", DETAILS, PREVIOUS),
                AuditChain.hash(7, T0, "alice", "vm.create", "vm:w2", DETAILS, PREVIOUS),
                AuditChain.hash(7, T0, "alice", "vm.create", "vm:w1", Map.of("brick", "worker", "realm", "lab"),
                        PREVIOUS),
                AuditChain.hash(7, T0, "alice", "vm.create", "vm:w1", Map.of("brick", "worker", "realms", "sim"),
                        PREVIOUS),
                AuditChain.hash(7, T0, "alice", "vm.create", "vm:w1", Map.of("brick", "worker"), PREVIOUS),
                AuditChain.hash(7, T0, "alice", "vm.create", "vm:w1",
                        Map.of("brick", "worker", "realm", "sim", "extra", ""), PREVIOUS),
                AuditChain.hash(7, T0, "alice", "vm.create", "vm:w1", DETAILS, "b" + PREVIOUS.substring(1)),
                AuditChain.hash(7, T0, "alice", "vm.create", "vm:w1", DETAILS, AuditChain.GENESIS));

        Set<String> all = new HashSet<>(variants);
        all.add(baseHash());
        assertThat(all).hasSize(variants.size() + 1);
    }

    @Test
    void length_prefixing_keeps_shifted_boundaries_between_fields_apart() {
        assertThat(AuditChain.hash(1, T0, "ab", "c", "t", Map.of(), PREVIOUS))
                .isNotEqualTo(AuditChain.hash(1, T0, "a", "bc", "t", Map.of(), PREVIOUS));
        assertThat(AuditChain.hash(1, T0, "a", "b", "ct", Map.of(), PREVIOUS))
                .isNotEqualTo(AuditChain.hash(1, T0, "a", "bc", "t", Map.of(), PREVIOUS));
        assertThat(AuditChain.hash(1, T0, "a", "b", "t", Map.of("ab", "c"), PREVIOUS))
                .isNotEqualTo(AuditChain.hash(1, T0, "a", "b", "t", Map.of("a", "bc"), PREVIOUS));
        // A separator inside a value must not fake a field boundary either.
        assertThat(AuditChain.hash(1, T0, "a;1:b", "c", "t", Map.of(), PREVIOUS))
                .isNotEqualTo(AuditChain.hash(1, T0, "a", "b;1:c", "t", Map.of(), PREVIOUS));
    }

    @Test
    void hash_of_an_event_is_the_hash_of_its_fields() {
        AuditEvent event = chain(1).getFirst();

        assertThat(AuditChain.hashOf(event)).isEqualTo(event.hash()).isEqualTo(AuditChain.hash(event.seq(),
                event.time(), event.actor(), event.action(), event.target(), event.details(), AuditChain.GENESIS));
    }

    @Test
    void an_intact_chain_is_valid() {
        List<AuditEvent> events = chain(5);

        AuditVerification verification = verify(events, events.getLast());

        assertThat(verification.valid()).isTrue();
        assertThat(verification.events()).isEqualTo(5);
        assertThat(verification.problems()).isEmpty();
    }

    @Test
    void an_empty_chain_with_the_genesis_head_is_valid() {
        AuditVerification verification = new AuditChain.Verifier().finish(0, AuditChain.GENESIS);

        assertThat(verification.valid()).isTrue();
        assertThat(verification.events()).isZero();
    }

    @Test
    void an_edited_event_is_found() {
        List<AuditEvent> events = new ArrayList<>(chain(5));
        AuditEvent original = events.get(2);
        events.set(2, new AuditEvent(original.seq(), original.time(), "mallory", original.action(), original.target(),
                original.details(), original.prevHash(), original.hash()));

        AuditVerification verification = verify(events, events.getLast());

        assertThat(verification.valid()).isFalse();
        assertThat(verification.problems()).singleElement().satisfies(problem -> {
            assertThat(problem.seq()).isEqualTo(3);
            assertThat(problem.problem()).contains("edited");
        });
    }

    @Test
    void an_edited_detail_is_found() {
        List<AuditEvent> events = new ArrayList<>(chain(3));
        AuditEvent original = events.get(1);
        events.set(1, new AuditEvent(original.seq(), original.time(), original.actor(), original.action(),
                original.target(), Map.of("n", "forged"), original.prevHash(), original.hash()));

        assertThat(verify(events, events.getLast()).problems()).extracting(AuditVerification.Problem::seq)
                .containsExactly(2L);
    }

    @Test
    void a_deleted_middle_event_is_found() {
        List<AuditEvent> events = new ArrayList<>(chain(5));
        events.remove(2);

        AuditVerification verification = verify(events, events.getLast());

        assertThat(verification.valid()).isFalse();
        assertThat(verification.problems()).extracting(AuditVerification.Problem::seq).contains(4L);
        assertThat(verification.problems()).anySatisfy(problem -> assertThat(problem.problem()).contains("missing"));
    }

    @Test
    void a_deleted_newest_event_is_found_against_the_head() {
        List<AuditEvent> events = new ArrayList<>(chain(5));
        AuditEvent newest = events.removeLast();

        AuditVerification verification = verify(events, newest);

        assertThat(verification.valid()).isFalse();
        assertThat(verification.problems()).singleElement()
                .satisfies(problem -> assertThat(problem.problem()).contains("head records event 5"));
    }

    @Test
    void a_rewritten_newest_event_is_found_against_the_head() {
        List<AuditEvent> events = new ArrayList<>(chain(5));
        AuditEvent newest = events.removeLast();
        events.add(event(5, "mallory", newest.prevHash()));

        AuditVerification verification = verify(events, newest);

        assertThat(verification.valid()).isFalse();
        assertThat(verification.problems()).isNotEmpty();
    }

    @Test
    void two_swapped_events_are_found() {
        List<AuditEvent> events = new ArrayList<>(chain(5));
        AuditEvent second = events.get(1);
        events.set(1, events.get(2));
        events.set(2, second);

        AuditVerification verification = verify(events, events.getLast());

        assertThat(verification.valid()).isFalse();
        assertThat(verification.problems()).extracting(AuditVerification.Problem::seq).contains(3L, 2L);
    }

    @Test
    void a_whole_chain_rebuilt_from_a_changed_event_is_found_against_the_head() {
        List<AuditEvent> original = chain(3);
        List<AuditEvent> forged = new ArrayList<>();
        String previous = AuditChain.GENESIS;
        for (AuditEvent event : original) {
            AuditEvent copy = event(event.seq(), event.seq() == 2 ? "mallory" : "alice", previous);
            forged.add(copy);
            previous = copy.hash();
        }

        assertThat(verify(forged, forged.getLast()).valid()).isTrue();
        assertThat(verify(forged, original.getLast()).valid()).isFalse();
    }

    private static AuditVerification verify(List<AuditEvent> events, AuditEvent head) {
        AuditChain.Verifier verifier = new AuditChain.Verifier();
        events.forEach(verifier::accept);
        return verifier.finish(head.seq(), head.hash());
    }

    private static List<AuditEvent> chain(int length) {
        List<AuditEvent> events = new ArrayList<>();
        String previous = AuditChain.GENESIS;
        for (long seq = 1; seq <= length; seq++) {
            AuditEvent event = event(seq, "alice", previous);
            events.add(event);
            previous = event.hash();
        }
        return events;
    }

    private static AuditEvent event(long seq, String actor, String previous) {
        Instant time = T0.plusSeconds(seq);
        Map<String, String> details = Map.of("n", Long.toString(seq));
        String hash = AuditChain.hash(seq, time, actor, "test.event", "target:" + seq, details, previous);
        return new AuditEvent(seq, time, actor, "test.event", "target:" + seq, details, previous, hash);
    }
}
