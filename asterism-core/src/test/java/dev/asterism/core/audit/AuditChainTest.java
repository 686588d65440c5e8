package dev.asterism.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asterism.core.store.AuditRepository;
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
                original.details(), original.prevHash(), original.hash(), original.seal()));

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
                original.target(), Map.of("n", "forged"), original.prevHash(), original.hash(), original.seal()));

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
        return new AuditEvent(seq, time, actor, "test.event", "target:" + seq, details, previous, hash, null);
    }

    private static final AuditKey KEY = AuditKey.of(new byte[AuditKey.LENGTH]);

    private static List<AuditEvent> sealed(List<AuditEvent> events, AuditKey key) {
        return events.stream().map(event -> new AuditEvent(event.seq(), event.time(), event.actor(), event.action(),
                event.target(), event.details(), event.prevHash(), event.hash(), key.sealEvent(event.hash()))).toList();
    }

    private static AuditRepository.Head headOf(AuditEvent event, AuditKey key) {
        return new AuditRepository.Head(event.seq(), event.hash(), key.sealHead(event.seq(), event.hash()));
    }

    private static AuditVerification verifyKeyed(List<AuditEvent> events, AuditRepository.Head head,
            AuditRepository.Head checkpoint) {
        AuditChain.Verifier verifier = new AuditChain.Verifier(KEY, checkpoint);
        events.forEach(verifier::accept);
        return verifier.finish(head);
    }

    /** The event an administrator's acceptance writes after {@code previous}, sealed with {@code key}. */
    private static AuditEvent acceptance(AuditEvent previous, long acceptedThrough, AuditKey key) {
        long seq = previous.seq() + 1;
        Map<String, String> details = Map.of(AuditChain.Verifier.ACCEPTED_THROUGH, Long.toString(acceptedThrough));
        Instant time = T0.plusSeconds(seq);
        String hash = AuditChain.hash(seq, time, "system", AuditChain.Verifier.ACCEPTED, "audit:chain", details,
                previous.hash());
        return new AuditEvent(seq, time, "system", AuditChain.Verifier.ACCEPTED, "audit:chain", details,
                previous.hash(), hash, key.sealEvent(hash));
    }

    @Test
    void a_sealed_chain_with_its_sealed_head_and_checkpoint_verifies() {
        List<AuditEvent> events = sealed(chain(4), KEY);

        AuditVerification verification = verifyKeyed(events, headOf(events.getLast(), KEY),
                headOf(events.get(2), KEY));

        assertThat(verification.valid()).as("%s", verification.problems()).isTrue();
        assertThat(verification.events()).isEqualTo(4);
    }

    @Test
    void a_chain_rebuilt_from_a_changed_event_with_its_head_rewritten_is_found_by_the_seals() {
        List<AuditEvent> original = sealed(chain(3), KEY);
        List<AuditEvent> forged = new ArrayList<>();
        String previous = AuditChain.GENESIS;
        for (AuditEvent event : original) {
            AuditEvent copy = event(event.seq(), event.seq() == 2 ? "mallory" : "alice", previous);
            // The writer keeps the old seals where it can (it cannot make new ones without the key).
            forged.add(new AuditEvent(copy.seq(), copy.time(), copy.actor(), copy.action(), copy.target(),
                    copy.details(), copy.prevHash(), copy.hash(), event.seal()));
            previous = copy.hash();
        }
        AuditRepository.Head rewrittenHead = new AuditRepository.Head(3, forged.getLast().hash(),
                headOf(original.getLast(), KEY).seal());

        assertThat(verify(forged, forged.getLast()).valid()).as("without the key").isTrue();
        AuditVerification verification = verifyKeyed(forged, rewrittenHead, null);
        assertThat(verification.valid()).isFalse();
        assertThat(verification.problems()).extracting(AuditVerification.Problem::seq).contains(2L, 3L);
        assertThat(verification.problems()).extracting(AuditVerification.Problem::problem)
                .anyMatch(problem -> problem.contains("seal does not match"))
                .anyMatch(problem -> problem.contains("head is not sealed"));
    }

    @Test
    void deleting_the_newest_events_and_restoring_an_older_sealed_head_is_found_by_the_checkpoint() {
        List<AuditEvent> events = sealed(chain(5), KEY);
        List<AuditEvent> truncated = events.subList(0, 3);
        AuditRepository.Head olderHead = headOf(events.get(2), KEY);

        assertThat(verifyKeyed(truncated, olderHead, null).valid()).as("seals alone cannot see it").isTrue();
        AuditVerification verification = verifyKeyed(truncated, olderHead, headOf(events.get(4), KEY));
        assertThat(verification.valid()).isFalse();
        assertThat(verification.problems()).singleElement().satisfies(problem -> assertThat(problem.problem())
                .contains("checkpoint").contains("events 4 to 5 were deleted"));
    }

    @Test
    void an_unsealed_event_is_found() {
        List<AuditEvent> events = new ArrayList<>(sealed(chain(3), KEY));
        events.set(1, chain(3).get(1));

        assertThat(verifyKeyed(events, headOf(events.getLast(), KEY), null).problems())
                .singleElement().satisfies(problem -> {
                    assertThat(problem.seq()).isEqualTo(2);
                    assertThat(problem.problem()).contains("not sealed");
                });
    }

    @Test
    void problems_an_administrator_accepted_are_listed_apart_and_the_chain_verifies() {
        List<AuditEvent> events = new ArrayList<>(sealed(chain(3), KEY));
        AuditEvent original = events.get(1);
        events.set(1, new AuditEvent(original.seq(), original.time(), "mallory", original.action(), original.target(),
                original.details(), original.prevHash(), original.hash(), original.seal()));
        events.add(acceptance(events.getLast(), 3, KEY));

        AuditVerification verification = verifyKeyed(events, headOf(events.getLast(), KEY), null);

        assertThat(verification.valid()).isTrue();
        assertThat(verification.problems()).isEmpty();
        assertThat(verification.accepted()).extracting(AuditVerification.Problem::seq).containsExactly(2L);
    }

    @Test
    void an_acceptance_without_the_key_accepts_nothing() {
        List<AuditEvent> events = new ArrayList<>(sealed(chain(2), KEY));
        AuditEvent original = events.get(0);
        events.set(0, new AuditEvent(original.seq(), original.time(), "mallory", original.action(), original.target(),
                original.details(), original.prevHash(), original.hash(), original.seal()));
        byte[] otherKey = new byte[AuditKey.LENGTH];
        otherKey[0] = 1;
        events.add(acceptance(events.getLast(), 2, AuditKey.of(otherKey)));

        AuditVerification verification = verifyKeyed(events, headOf(events.getLast(), KEY), null);

        assertThat(verification.valid()).isFalse();
        assertThat(verification.accepted()).isEmpty();
        assertThat(verification.problems()).extracting(AuditVerification.Problem::seq).contains(1L, 3L);
    }

    @Test
    void an_event_after_the_head_is_reported() {
        List<AuditEvent> events = sealed(chain(3), KEY);
        AuditChain.Verifier verifier = new AuditChain.Verifier(KEY, null);
        verifier.accept(events.get(0));
        verifier.accept(events.get(1));
        verifier.afterHead(events.get(2), 2);

        AuditVerification verification = verifier.finish(headOf(events.get(1), KEY));

        assertThat(verification.problems()).singleElement().satisfies(problem -> {
            assertThat(problem.seq()).isEqualTo(3);
            assertThat(problem.problem()).contains("after the chain's head");
        });
    }
}
