package dev.asterism.core.vm;

import static java.util.Objects.requireNonNull;

import dev.asterism.core.reconciliation.Backoff;
import dev.asterism.core.reconciliation.Claimant;
import dev.asterism.core.reconciliation.ReconcileLoop;
import dev.asterism.core.store.Store;
import dev.asterism.spi.realm.Bootstrap;
import dev.asterism.spi.realm.PowerState;
import dev.asterism.spi.realm.Realm;
import dev.asterism.spi.realm.RealmCapability;
import dev.asterism.spi.realm.RealmException;
import dev.asterism.spi.realm.RealmVm;
import dev.asterism.spi.realm.RealmVmSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Moves every VM from its stored state towards its desired state, one idempotent step per pass: observe the
 * realm, act, record the new state with its next check time. All of it lives in the database, so a pass
 * interrupted anywhere is simply repeated. Also repairs drift: VMs the realm lost become FAILED, and realm VMs
 * the store does not know are destroyed after a grace period.
 */
public final class VmReconciler implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(VmReconciler.class.getName());
    private static final int BATCH = 256;
    private static final int MAX_ATTEMPTS = 8;

    private final Store store;
    private final Realms realms;
    private final RegistrationTokens tokens;
    private final Clock clock;
    private final Settings settings;
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final ReconcileLoop loop;
    /** Up to 256 polls: a realm that is away may take minutes to come back. */
    private final Backoff backoff;
    private volatile Instant nextDriftCheck = Instant.MIN;

    /**
     * @param serverUrl where agents register (the agent channel), handed to new VMs in their bootstrap data
     * @param caFingerprint the SHA-256 fingerprint of the agent CA, also in the bootstrap data
     * @param pollInterval how often a VM in a transition (starting, stopping) is observed again
     * @param driftInterval how often each realm's list is compared with the store
     * @param orphanGrace how long a realm VM unknown to the store survives before it is destroyed
     */
    public record Settings(String serverUrl, String caFingerprint, Duration pollInterval, Duration driftInterval,
            Duration orphanGrace, Claimant claimant) {
        public Settings {
            requireNonNull(claimant, "claimant is null");
            requireNonNull(serverUrl, "serverUrl is null");
            requireNonNull(caFingerprint, "caFingerprint is null");
            requireNonNull(pollInterval, "pollInterval is null");
            requireNonNull(driftInterval, "driftInterval is null");
            requireNonNull(orphanGrace, "orphanGrace is null");
        }
    }

    public VmReconciler(Store store, Realms realms, RegistrationTokens tokens, Clock clock, Settings settings) {
        this.store = requireNonNull(store, "store is null");
        this.realms = requireNonNull(realms, "realms is null");
        this.tokens = requireNonNull(tokens, "tokens is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.backoff = new Backoff(settings.pollInterval().multipliedBy(2), settings.pollInterval().multipliedBy(256));
        this.loop = new ReconcileLoop("vm-reconciler", settings.pollInterval(), () -> {
            int taken = runDue();
            if (!clock.instant().isBefore(nextDriftCheck)) {
                repairDrift();
                nextDriftCheck = clock.instant().plus(settings.driftInterval());
            }
            return taken;
        });
    }

    /** Starts the background loop: due VMs every poll interval or when woken, drift every drift interval. */
    public void start() {
        loop.start();
    }

    /** Asks the loop to run now rather than at the next poll. */
    public void wake() {
        loop.wake();
    }

    /** Steps taken and VMs failed since start, for metrics. */
    public long steps() {
        return steps.get();
    }

    public long failures() {
        return failures.get();
    }

    /**
     * Takes one step for every VM whose check is due, in parallel, and returns when all are done: how many steps ended
     * without an exception.
     */
    public int runDue() {
        List<Vm> due = store.call(transaction -> transaction.vms().claimDue(settings.claimant().claimAt(now()), BATCH));
        if (due.isEmpty()) {
            return 0;
        }
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> futures = new ArrayList<>();
            for (Vm vm : due) {
                futures.add(executor.submit(() -> step(vm)));
            }
            int taken = 0;
            for (Future<?> future : futures) {
                try {
                    future.get();
                    taken++;
                } catch (java.util.concurrent.ExecutionException e) {
                    LOG.log(Level.WARNING, "a VM step failed, retrying later: " + e.getCause().getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            return taken;
        }
    }

    /** Runs {@link #runDue()} until nothing is due now, at most {@code maxPasses} times. For tests and tools. */
    public void settle(int maxPasses) {
        for (int pass = 0; pass < maxPasses && runDue() > 0; pass++) {
            // each pass takes one step per due VM
        }
    }

    void step(Vm vm) {
        steps.incrementAndGet();
        Instant now = now();
        Optional<Realm> realm = realms.find(vm.realm());
        if (realm.isEmpty()) {
            save(vm.retryAt("realm '" + vm.realm() + "' has no driver on this server", now,
                    now.plus(Duration.ofMinutes(1))), "vm.waiting", Map.of());
            return;
        }
        try {
            stepWith(realm.get(), vm, now);
        } catch (RealmException e) {
            if (e.retryable() && vm.attempts() + 1 < MAX_ATTEMPTS) {
                save(vm.retryAt("realm unavailable, retrying: " + e.getMessage(), now,
                        backoff.next(now, vm.id(), vm.attempts())), null, Map.of());
            } else {
                fail(realm.get(), vm, now, "the realm refused: " + e.getMessage());
            }
        }
    }

    private void stepWith(Realm realm, Vm vm, Instant now) {
        if (vm.desiredState() == DesiredState.DESTROYED && vm.state() != VmState.DESTROYED) {
            realm.destroy(vm.id());
            save(vm.moveTo(VmState.DESTROYED, vm.reason(), now, null), "vm.destroyed", Map.of());
            return;
        }
        Instant poll = now.plus(settings.pollInterval());
        switch (vm.state()) {
            case REQUESTED -> {
                realm.create(new RealmVmSpec(vm.id(), vm.name(), vm.osFamily(), vm.image(), vm.vcpus(),
                        vm.memoryMib(), vm.diskGib(), new Bootstrap(settings.serverUrl(), settings.caFingerprint(),
                        tokens.tokenFor(vm.id())), vm.network()));
                save(vm.moveTo(VmState.STARTING, null, now, now), "vm.starting", Map.of());
            }
            case STARTING -> {
                Optional<RealmVm> observed = realm.inspect(vm.id());
                if (observed.isEmpty()) {
                    fail(realm, vm, now, "the realm lost the VM while it was starting");
                } else if (observed.get().power() == PowerState.FAILED) {
                    fail(realm, vm, now, "the realm failed to start the VM: " + observed.get().detail());
                } else if (observed.get().power() == PowerState.RUNNING) {
                    Vm addressed = vm.withAddresses(observed.get().addresses());
                    if (vm.registeredAt() != null) {
                        save(addressed.moveTo(VmState.RUNNING, null, now, null), "vm.running", Map.of());
                    } else {
                        save(addressed.moveTo(VmState.AWAITING_REGISTRATION, "waiting for its agent to register",
                                now, vm.registrationDeadline()), "vm.awaiting-registration", Map.of());
                    }
                } else if (vm.registeredAt() == null && !now.isBefore(vm.registrationDeadline())) {
                    fail(realm, vm, now, deadlineMessage(vm));
                } else {
                    save(vm.recheckAt(now, poll), null, Map.of());
                }
            }
            case AWAITING_REGISTRATION -> {
                if (!now.isBefore(vm.registrationDeadline())) {
                    fail(realm, vm, now, deadlineMessage(vm));
                } else {
                    save(vm.recheckAt(now, vm.registrationDeadline()), null, Map.of());
                }
            }
            case RUNNING -> {
                if (vm.desiredState() == DesiredState.STOPPED && canStop(realm)) {
                    realm.stop(vm.id());
                    save(vm.moveTo(VmState.STOPPING, null, now, poll), "vm.stopping", Map.of());
                } else {
                    save(vm.moveTo(VmState.RUNNING, vm.reason(), now, null), null, Map.of());
                }
            }
            case STOPPING -> {
                Optional<RealmVm> observed = realm.inspect(vm.id());
                if (observed.isEmpty()) {
                    fail(realm, vm, now, "the realm lost the VM while it was stopping");
                } else if (observed.get().power() == PowerState.STOPPED) {
                    Instant next = vm.desiredState() == DesiredState.STOPPED ? null : now;
                    save(vm.moveTo(VmState.STOPPED, null, now, next), "vm.stopped", Map.of());
                } else {
                    save(vm.recheckAt(now, poll), null, Map.of());
                }
            }
            case STOPPED -> {
                if (vm.desiredState() == DesiredState.RUNNING && canStop(realm)) {
                    realm.start(vm.id());
                    save(vm.moveTo(VmState.STARTING, null, now, now), "vm.starting", Map.of());
                } else {
                    save(vm.moveTo(VmState.STOPPED, null, now, null), null, Map.of());
                }
            }
            case FAILED, DESTROYED -> save(vm.moveTo(vm.state(), vm.reason(), now, null), null, Map.of());
        }
    }

    /** Compares every realm's VMs with the store: lost VMs fail, unknown ones are destroyed after the grace. */
    public void repairDrift() {
        for (Map.Entry<String, Realm> entry : realms.all().entrySet()) {
            try {
                repairDrift(entry.getKey(), entry.getValue());
            } catch (RealmException e) {
                LOG.log(Level.WARNING, "cannot compare realm " + entry.getKey() + " with the store: " + e.getMessage());
            }
        }
    }

    private void repairDrift(String realmName, Realm realm) {
        Instant now = now();
        Map<String, RealmVm> inRealm = new HashMap<>();
        for (RealmVm vm : realm.list()) {
            inRealm.put(vm.vmId(), vm);
        }
        List<Vm> expected = store.call(transaction -> transaction.vms().expectedInRealm(realmName));
        Set<String> known = new HashSet<>();
        for (Vm vm : expected) {
            known.add(vm.id());
            boolean settled = vm.state() == VmState.AWAITING_REGISTRATION || vm.state() == VmState.RUNNING
                    || vm.state() == VmState.STOPPED;
            if (settled && !inRealm.containsKey(vm.id()) && realm.inspect(vm.id()).isEmpty()) {
                fail(realm, vm, now, "the realm no longer has this VM (lost by the hypervisor)");
            }
        }
        Map<String, Instant> orphans = store.call(transaction -> transaction.vms().orphans(realmName));
        for (String vmId : inRealm.keySet()) {
            if (known.contains(vmId)) {
                continue;
            }
            Instant firstSeen = orphans.get(vmId);
            if (firstSeen == null) {
                store.run(transaction -> {
                    transaction.vms().putOrphan(realmName, vmId, now);
                    transaction.audit().append("system", "realm.orphan-found", "realm:" + realmName,
                            Map.of("vmId", vmId, "graceSeconds", "" + settings.orphanGrace().toSeconds()), now);
                });
            } else if (!now.isBefore(firstSeen.plus(settings.orphanGrace()))) {
                // Re-check under the store: the VM may have been requested after the list was taken.
                boolean stillUnknown = store.call(transaction -> transaction.vms().findById(vmId)
                        .map(vm -> vm.state() == VmState.FAILED || vm.state() == VmState.DESTROYED).orElse(true));
                if (stillUnknown) {
                    realm.destroy(vmId);
                    store.run(transaction -> {
                        transaction.vms().deleteOrphan(realmName, vmId);
                        transaction.audit().append("system", "realm.orphan-destroyed", "realm:" + realmName,
                                Map.of("vmId", vmId), now);
                    });
                }
            }
        }
        for (String vmId : orphans.keySet()) {
            if (!inRealm.containsKey(vmId) || known.contains(vmId)) {
                store.run(transaction -> transaction.vms().deleteOrphan(realmName, vmId));
            }
        }
    }

    private void fail(Realm realm, Vm vm, Instant now, String reason) {
        try {
            realm.destroy(vm.id());
        } catch (RealmException e) {
            // The orphan sweep destroys it later: a FAILED VM is not expected in the realm.
            LOG.log(Level.WARNING, "cannot release failed VM " + vm.name() + " yet: " + e.getMessage());
        }
        failures.incrementAndGet();
        save(vm.moveTo(VmState.FAILED, reason, now, null), "vm.failed", Map.of("reason", reason));
    }

    private void save(Vm vm, String action, Map<String, String> details) {
        Instant now = now();
        store.run(transaction -> {
            if (transaction.vms().update(vm).isPresent() && action != null) {
                Map<String, String> all = new HashMap<>(details);
                all.put("id", vm.id());
                all.put("state", vm.state().name());
                transaction.audit().append("system", action, "vm:" + vm.name(), all, now);
            }
        });
    }

    private static boolean canStop(Realm realm) {
        return realm.capabilities().contains(RealmCapability.STOP_AND_START);
    }

    private static String deadlineMessage(Vm vm) {
        Duration allowed = Duration.between(vm.createdAt(), vm.registrationDeadline());
        return "its agent did not register within " + allowed.toString().substring(2).toLowerCase()
                + " (deadline " + vm.registrationDeadline() + "): the VM was destroyed";
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    @Override
    public void close() {
        loop.close();
    }
}
