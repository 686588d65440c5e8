package dev.asterism.realm.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.asterism.spi.realm.Bootstrap;
import dev.asterism.spi.realm.OsFamily;
import dev.asterism.spi.realm.PowerState;
import dev.asterism.spi.realm.RealmException;
import dev.asterism.spi.realm.RealmVm;
import dev.asterism.spi.realm.RealmVmSpec;
import dev.asterism.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the sim realm does beyond the realm contract: its clock, jitter, fault switches and simulated agents. */
class SimRealmTest {

    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
    private static final SimRealmOptions STEADY = SimRealmOptions.instant()
            .withCreateDelay(Duration.ofSeconds(10))
            .withStartDelay(Duration.ofSeconds(4))
            .withStopDelay(Duration.ofSeconds(2))
            .withAgentDelay(Duration.ofSeconds(5));

    private final MutableClock clock = new MutableClock(START);
    private final List<SimRealm> realms = new ArrayList<>();
    private final Queue<String> registrations = new ConcurrentLinkedQueue<>();

    @AfterEach
    void closeRealms() {
        realms.forEach(SimRealm::close);
    }

    private SimRealm realm(SimRealmOptions options) {
        return realm(options, (vmId, token) -> registrations.add(vmId + ":" + token));
    }

    private SimRealm realm(SimRealmOptions options, SimAgentRegistrar registrar) {
        SimRealm realm = new SimRealm(clock, options, registrar);
        realms.add(realm);
        return realm;
    }

    private static RealmVmSpec spec(String vmId) {
        return new RealmVmSpec(
                vmId, vmId, OsFamily.LINUX, "linux", 1, 512, 1, new Bootstrap("wss://127.0.0.1:1/agent/v1", "00".repeat(32), "token-" + vmId));
    }

    private static PowerState power(SimRealm realm, String vmId) {
        return realm.inspect(vmId).orElseThrow().power();
    }

    private static RealmException.Code codeOf(Runnable operation) {
        try {
            operation.run();
        } catch (RealmException e) {
            return e.code();
        }
        throw new AssertionError("expected a RealmException");
    }

    /** Lets the agent thread make passes until {@code condition} holds; fails after a generous real-time bound. */
    private static void awaitAgents(SimRealm realm, BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the sim realm's agents never got to: " + what);
            }
            realm.awaitAgentPass();
        }
    }

    @Test
    void vm_is_provisioning_until_its_create_delay_has_passed_on_the_clock_then_running() {
        SimRealm realm = realm(STEADY);

        RealmVm created = realm.create(spec("vm-1"));
        assertThat(created.power()).isEqualTo(PowerState.PROVISIONING);
        clock.advance(Duration.ofSeconds(10).minusMillis(1));
        assertThat(power(realm, "vm-1")).isEqualTo(PowerState.PROVISIONING);
        clock.advance(Duration.ofMillis(1));

        assertThat(power(realm, "vm-1")).isEqualTo(PowerState.RUNNING);
    }

    @Test
    void stop_and_start_take_their_delays_on_the_clock() {
        SimRealm realm = realm(STEADY);
        realm.create(spec("vm-1"));
        clock.advance(Duration.ofSeconds(10));

        realm.stop("vm-1");
        assertThat(power(realm, "vm-1")).isEqualTo(PowerState.STOPPING);
        clock.advance(Duration.ofSeconds(2));
        assertThat(power(realm, "vm-1")).isEqualTo(PowerState.STOPPED);

        realm.start("vm-1");
        assertThat(power(realm, "vm-1")).isEqualTo(PowerState.PROVISIONING);
        clock.advance(Duration.ofSeconds(4));
        assertThat(power(realm, "vm-1")).isEqualTo(PowerState.RUNNING);
    }

    @Test
    void instant_options_make_a_created_vm_running_at_once() {
        SimRealm realm = realm(SimRealmOptions.instant());

        assertThat(realm.create(spec("vm-1")).power()).isEqualTo(PowerState.RUNNING);
    }

    @Test
    void running_vm_shows_a_distinct_address_from_the_benchmarking_range_and_says_it_is_simulated() {
        SimRealm realm = realm(STEADY);
        realm.create(spec("vm-1"));
        realm.create(spec("vm-2"));
        assertThat(realm.inspect("vm-1").orElseThrow().addresses()).isEmpty();

        clock.advance(Duration.ofSeconds(10));

        RealmVm first = realm.inspect("vm-1").orElseThrow();
        RealmVm second = realm.inspect("vm-2").orElseThrow();
        assertThat(first.addresses()).singleElement().asString().matches("198\\.1[89]\\.\\d+\\.\\d+");
        assertThat(second.addresses()).singleElement().asString().startsWith("198.1");
        assertThat(first.addresses()).doesNotContainAnyElementsOf(second.addresses());
        assertThat(first.detail()).contains("simulated");
    }

    @Test
    void jitter_is_the_same_for_the_same_seed_and_differs_for_another_seed() {
        SimRealmOptions jittery = STEADY.withJitter(0.5).withSeed(7);
        SimRealm first = realm(jittery);
        SimRealm second = realm(jittery);
        SimRealm otherSeed = realm(jittery.withSeed(8));
        List<String> vmIds = IntStream.range(0, 50).mapToObj(index -> "vm-" + index).toList();
        // Created in opposite orders, so that only the random seed and the VM decide the delay.
        vmIds.forEach(vmId -> first.create(spec(vmId)));
        vmIds.reversed().forEach(vmId -> second.create(spec(vmId)));
        vmIds.forEach(vmId -> otherSeed.create(spec(vmId)));

        clock.advance(Duration.ofSeconds(10));

        assertThat(running(first, vmIds)).isEqualTo(running(second, vmIds)).isNotEmpty().hasSizeLessThan(50);
        assertThat(running(otherSeed, vmIds)).isNotEqualTo(running(first, vmIds));
    }

    private static Set<String> running(SimRealm realm, List<String> vmIds) {
        Set<String> running = new HashSet<>();
        for (String vmId : vmIds) {
            if (power(realm, vmId) == PowerState.RUNNING) {
                running.add(vmId);
            }
        }
        return running;
    }

    @Test
    void jitter_keeps_every_delay_within_its_fraction_of_the_nominal_delay() {
        SimRealm realm = realm(STEADY.withJitter(0.3).withSeed(11));
        List<String> vmIds = IntStream.range(0, 200).mapToObj(index -> "vm-" + index).toList();
        vmIds.forEach(vmId -> realm.create(spec(vmId)));

        clock.advance(Duration.ofSeconds(7).minusMillis(1));
        assertThat(running(realm, vmIds)).isEmpty();
        clock.advance(Duration.ofSeconds(6).plusMillis(2));
        assertThat(running(realm, vmIds)).hasSize(200);
    }

    @Test
    void jittered_delays_spread_over_the_whole_allowed_range() {
        SimRealmOptions options = STEADY.withJitter(0.3).withSeed(3);
        Duration nominal = Duration.ofSeconds(10);

        List<Duration> delays = IntStream.range(0, 1000)
                .mapToObj(draw -> options.jittered(nominal, "vm", draw))
                .toList();

        assertThat(delays)
                .allSatisfy(delay -> assertThat(delay).isBetween(Duration.ofSeconds(7), Duration.ofSeconds(13)));
        assertThat(delays).anySatisfy(delay -> assertThat(delay).isLessThan(Duration.ofMillis(7500)));
        assertThat(delays).anySatisfy(delay -> assertThat(delay).isGreaterThan(Duration.ofMillis(12500)));
    }

    @Test
    void creating_an_existing_vm_with_a_different_spec_is_an_invalid_spec() {
        SimRealm realm = realm(STEADY);
        realm.create(spec("vm-1"));
        RealmVmSpec bigger =
                new RealmVmSpec("vm-1", "vm-1", OsFamily.LINUX, "linux", 4, 512, 1, spec("vm-1").bootstrap());

        assertThat(codeOf(() -> realm.create(bigger))).isEqualTo(RealmException.Code.INVALID_SPEC);
        assertThat(realm.vmCount()).isEqualTo(1);
    }

    @Test
    void a_host_name_that_is_not_a_dns_label_is_an_invalid_spec() {
        SimRealm realm = realm(STEADY);
        RealmVmSpec badHostName =
                new RealmVmSpec("vm-1", "not_a_label", OsFamily.LINUX, "linux", 1, 512, 1, spec("vm-1").bootstrap());

        assertThat(codeOf(() -> realm.create(badHostName))).isEqualTo(RealmException.Code.INVALID_SPEC);
        realm.assertNoLeaks();
    }

    @Test
    void create_beyond_max_vms_fails_with_no_capacity_until_a_vm_is_destroyed() {
        SimRealm realm = realm(STEADY.withMaxVms(2));
        realm.create(spec("vm-1"));
        realm.create(spec("vm-2"));

        assertThat(codeOf(() -> realm.create(spec("vm-3")))).isEqualTo(RealmException.Code.NO_CAPACITY);
        assertThatCode(() -> realm.create(spec("vm-2")))
                .as("an idempotent create needs no room")
                .doesNotThrowAnyException();
        realm.destroy("vm-1");
        assertThatCode(() -> realm.create(spec("vm-3"))).doesNotThrowAnyException();
        assertThat(realm.vmCount()).isEqualTo(2);
    }

    @Test
    void failed_nth_create_throws_unavailable_for_that_call_only_and_leaves_nothing_behind() {
        SimRealm realm = realm(STEADY);
        realm.failNthCreate(2);

        realm.create(spec("vm-1"));
        RealmException.Code code = codeOf(() -> realm.create(spec("vm-2")));
        realm.create(spec("vm-3"));

        assertThat(code).isEqualTo(RealmException.Code.UNAVAILABLE);
        assertThat(realm.inspect("vm-2")).isEmpty();
        assertThat(realm.list()).extracting(RealmVm::vmId).containsExactly("vm-1", "vm-3");
    }

    @Test
    void failed_next_operation_fails_with_the_given_code_once() {
        SimRealm realm = realm(STEADY);
        realm.create(spec("vm-1"));
        realm.failNextOperation(RealmException.Code.UNAVAILABLE);

        assertThat(codeOf(() -> realm.inspect("vm-1"))).isEqualTo(RealmException.Code.UNAVAILABLE);
        assertThat(realm.inspect("vm-1")).isPresent();
    }

    @Test
    void lost_vm_disappears_from_inspect_and_list_and_no_longer_counts_as_a_leak() {
        SimRealm realm = realm(STEADY);
        realm.create(spec("vm-1"));

        realm.loseVm("vm-1");

        assertThat(realm.inspect("vm-1")).isEmpty();
        assertThat(realm.list()).isEmpty();
        realm.assertNoLeaks();
        assertThatCode(() -> realm.destroy("vm-1")).doesNotThrowAnyException();
    }

    @Test
    void failed_vm_is_reported_failed_until_it_is_started_again() {
        SimRealm realm = realm(STEADY);
        realm.create(spec("vm-1"));
        clock.advance(Duration.ofSeconds(10));

        realm.failVm("vm-1");
        RealmVm failed = realm.inspect("vm-1").orElseThrow();
        realm.start("vm-1");
        clock.advance(Duration.ofSeconds(4));

        assertThat(failed.power()).isEqualTo(PowerState.FAILED);
        assertThat(failed.addresses()).isEmpty();
        assertThat(failed.detail()).contains("simulated");
        assertThat(power(realm, "vm-1")).isEqualTo(PowerState.RUNNING);
    }

    @Test
    void fault_switches_refuse_an_unknown_vm() {
        SimRealm realm = realm(STEADY);

        assertThatIllegalArgumentException().isThrownBy(() -> realm.loseVm("vm-404"));
        assertThatIllegalArgumentException().isThrownBy(() -> realm.failVm("vm-404"));
    }

    @Test
    void stop_and_start_of_an_unknown_vm_throw_not_found_and_destroy_of_it_succeeds() {
        SimRealm realm = realm(STEADY);

        assertThat(codeOf(() -> realm.stop("vm-404"))).isEqualTo(RealmException.Code.NOT_FOUND);
        assertThat(codeOf(() -> realm.start("vm-404"))).isEqualTo(RealmException.Code.NOT_FOUND);
        assertThatCode(() -> realm.destroy("vm-404")).doesNotThrowAnyException();
    }

    @Test
    void registrar_is_called_once_per_vm_with_its_token_only_after_the_agent_delay() {
        SimRealm realm = realm(STEADY);
        realm.create(spec("vm-1"));
        realm.create(spec("vm-2"));

        clock.advance(Duration.ofSeconds(15).minusMillis(1));
        realm.awaitAgentPass();
        assertThat(registrations).isEmpty();

        clock.advance(Duration.ofMillis(1));
        awaitAgents(realm, () -> registrations.size() == 2, "register both VMs");
        clock.advance(Duration.ofMinutes(10));
        realm.awaitAgentPass();

        assertThat(registrations).containsExactlyInAnyOrder("vm-1:token-vm-1", "vm-2:token-vm-2");
        assertThat(realm.registeredCount()).isEqualTo(2);
        assertThat(realm.agentRegistered("vm-1")).isTrue();
        assertThat(realm.inspect("vm-1").orElseThrow().detail()).contains("agent registered");
    }

    @Test
    void agent_of_a_vm_marked_never_register_is_never_offered_to_the_registrar() {
        SimRealm realm = realm(STEADY);
        realm.neverRegister("vm-silent");
        realm.create(spec("vm-silent"));
        realm.create(spec("vm-1"));

        clock.advance(Duration.ofMinutes(10));
        awaitAgents(realm, () -> realm.agentRegistered("vm-1"), "register vm-1");
        realm.awaitAgentPass();

        assertThat(registrations).containsExactly("vm-1:token-vm-1");
        assertThat(realm.agentRegistered("vm-silent")).isFalse();
    }

    @Test
    void never_register_all_holds_back_every_agent_until_it_is_switched_off() {
        SimRealm realm = realm(STEADY);
        realm.neverRegisterAll(true);
        realm.create(spec("vm-1"));
        clock.advance(Duration.ofMinutes(10));

        realm.awaitAgentPass();
        assertThat(registrations).isEmpty();
        realm.neverRegisterAll(false);

        awaitAgents(realm, () -> realm.registeredCount() == 1, "register vm-1");
        assertThat(registrations).containsExactly("vm-1:token-vm-1");
    }

    @Test
    void registrar_that_throws_is_tried_again_later_until_it_accepts() {
        AtomicInteger calls = new AtomicInteger();
        SimRealm realm = realm(STEADY, (vmId, token) -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("server unreachable");
            }
            return true;
        });
        realm.create(spec("vm-1"));
        clock.advance(Duration.ofSeconds(15));

        awaitAgents(realm, () -> realm.agentRegistered("vm-1"), "register vm-1 after a failed attempt");
        realm.awaitAgentPass();

        assertThat(calls).hasValue(2);
    }

    @Test
    void refused_registration_is_never_tried_again() {
        AtomicInteger calls = new AtomicInteger();
        SimRealm realm = realm(STEADY, (vmId, token) -> {
            calls.incrementAndGet();
            return false;
        });
        realm.create(spec("vm-1"));
        clock.advance(Duration.ofSeconds(15));

        awaitAgents(realm, () -> calls.get() == 1, "offer vm-1 to the registrar");
        clock.advance(Duration.ofMinutes(10));
        realm.awaitAgentPass();

        assertThat(calls).hasValue(1);
        assertThat(realm.agentRegistered("vm-1")).isFalse();
        assertThat(realm.inspect("vm-1").orElseThrow().detail()).contains("refused");
    }

    @Test
    void vm_stopped_and_started_again_does_not_register_again() {
        SimRealm realm = realm(STEADY);
        realm.create(spec("vm-1"));
        clock.advance(Duration.ofSeconds(15));
        awaitAgents(realm, () -> realm.agentRegistered("vm-1"), "register vm-1");

        realm.stop("vm-1");
        clock.advance(Duration.ofSeconds(2));
        realm.start("vm-1");
        clock.advance(Duration.ofMinutes(1));
        realm.awaitAgentPass();

        assertThat(registrations).containsExactly("vm-1:token-vm-1");
    }

    @Test
    void vm_stopped_before_its_agent_registered_registers_after_it_runs_again() {
        SimRealm realm = realm(STEADY);
        realm.create(spec("vm-1"));
        clock.advance(Duration.ofSeconds(12));
        realm.stop("vm-1");
        clock.advance(Duration.ofMinutes(1));
        realm.awaitAgentPass();
        assertThat(registrations).isEmpty();

        realm.start("vm-1");
        clock.advance(Duration.ofSeconds(9));

        awaitAgents(realm, () -> realm.agentRegistered("vm-1"), "register vm-1 after its restart");
    }

    @Test
    void assert_no_leaks_names_each_vm_still_held_and_passes_once_all_are_destroyed() {
        SimRealm realm = realm(STEADY);
        realm.create(spec("vm-leaked"));

        assertThatThrownBy(realm::assertNoLeaks)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("vm-leaked")
                .hasMessageContaining("PROVISIONING");
        realm.destroy("vm-leaked");
        assertThatCode(realm::assertNoLeaks).doesNotThrowAnyException();
    }

    @Test
    void close_stops_the_agent_thread_and_refuses_further_operations() throws InterruptedException {
        AtomicReference<Thread> agentThread = new AtomicReference<>();
        SimRealm realm = realm(STEADY, (vmId, token) -> {
            agentThread.set(Thread.currentThread());
            return true;
        });
        realm.create(spec("vm-1"));
        clock.advance(Duration.ofSeconds(15));
        awaitAgents(realm, () -> agentThread.get() != null, "register vm-1");
        assertThat(agentThread.get().isDaemon()).isTrue();

        realm.close();

        assertThat(agentThread.get().isAlive()).isFalse();
        assertThatIllegalStateException().isThrownBy(() -> realm.create(spec("vm-2")));
        assertThatIllegalStateException().isThrownBy(realm::awaitAgentPass);
        assertThat(realm.vmCount()).as("VMs stay observable after close").isEqualTo(1);
    }

    @Test
    void realm_holds_ten_thousand_vms_and_registers_all_their_agents() {
        SimRealm realm = realm(SimRealmOptions.instant());
        List<String> vmIds = IntStream.range(0, 10_000).mapToObj(index -> "vm-" + index).toList();

        vmIds.forEach(vmId -> realm.create(spec(vmId)));
        awaitAgents(realm, () -> realm.registeredCount() == 10_000, "register 10,000 VMs");

        assertThat(realm.list()).hasSize(10_000).allSatisfy(vm -> assertThat(vm.power()).isEqualTo(PowerState.RUNNING));
        assertThat(realm.list()).flatExtracting(RealmVm::addresses).doesNotHaveDuplicates();
        vmIds.forEach(realm::destroy);
        realm.assertNoLeaks();
    }

    @Test
    void options_refuse_out_of_range_values() {
        assertThatIllegalArgumentException().isThrownBy(() -> SimRealmOptions.instant().withJitter(1.5));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> SimRealmOptions.instant().withCreateDelay(Duration.ofSeconds(-1)));
        assertThatIllegalArgumentException().isThrownBy(() -> SimRealmOptions.instant().withMaxVms(0));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> SimRealmOptions.instant().withAgentPollInterval(Duration.ZERO));
    }

    @Test
    void a_persistent_realm_reopened_holds_its_vms_as_they_were_and_boots_their_agents_again(@TempDir Path directory) {
        SimRealm first = SimRealm.persistentIn(clock, STEADY, (vmId, token) -> registrations.add(vmId), directory);
        realms.add(first);
        first.create(spec("vm-1"));
        first.create(spec("vm-2"));
        first.create(spec("vm-3"));
        clock.advance(Duration.ofSeconds(15));
        awaitAgents(first, () -> registrations.size() == 3, "three registrations");
        first.stop("vm-2");
        first.destroy("vm-3");
        String address = first.inspect("vm-1").orElseThrow().addresses().getFirst();
        first.close();
        registrations.clear();

        SimRealm second = SimRealm.persistentIn(clock, STEADY, (vmId, token) -> registrations.add(vmId + ":" + token),
                directory);
        realms.add(second);
        assertThat(second.list()).extracting(RealmVm::vmId).containsExactly("vm-1", "vm-2");
        assertThat(second.inspect("vm-1").orElseThrow().addresses()).containsExactly(address);
        assertThat(power(second, "vm-2")).isIn(PowerState.STOPPING, PowerState.STOPPED);
        awaitAgents(second, () -> !registrations.isEmpty(), "the running VM's agent booted again");
        assertThat(registrations).containsExactly("vm-1:token-vm-1");
        RealmVm fourth = second.create(spec("vm-4"));
        clock.advance(Duration.ofSeconds(15));
        assertThat(second.inspect("vm-4").orElseThrow().addresses()).as("a new VM gets a free address")
                .doesNotContain(address);
        second.destroy("vm-1");
        second.destroy("vm-2");
        second.destroy(fourth.vmId());
        assertThat(directory.toFile().list()).isEmpty();
    }

    @Test
    void a_persistent_realm_reopened_takes_the_same_create_again_for_a_vm_on_a_network(@TempDir Path directory) {
        // A server killed between asking for a VM and recording it asks again after its restart: the same spec.
        SimRealm first = SimRealm.persistentIn(clock, STEADY, (vmId, token) -> registrations.add(vmId), directory);
        realms.add(first);
        RealmVmSpec onNetwork = new RealmVmSpec("vm-n", "vm-n", OsFamily.LINUX, "debian", 1, 512, 5,
                new Bootstrap("wss://127.0.0.1:1/agent/v1", "00".repeat(32), "token-vm-n"), "constellation-c7");
        first.create(onNetwork);
        first.close();

        SimRealm second = SimRealm.persistentIn(clock, STEADY, (vmId, token) -> registrations.add(vmId), directory);
        realms.add(second);
        assertThat(second.create(onNetwork).vmId()).isEqualTo("vm-n");
        // Restarted on another agent port, the server asks for the same VM with another address in the bootstrap.
        RealmVmSpec movedServer = new RealmVmSpec("vm-n", "vm-n", OsFamily.LINUX, "debian", 1, 512, 5,
                new Bootstrap("wss://127.0.0.1:2/agent/v1", "00".repeat(32), "token-vm-n"), "constellation-c7");
        assertThat(second.create(movedServer).vmId()).isEqualTo("vm-n");
        assertThat(second.vmCount()).isEqualTo(1);
        second.destroy("vm-n");
    }
}
