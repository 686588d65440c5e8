package dev.asterism.core.constellation;

import static java.util.Objects.requireNonNull;

import dev.asterism.core.constellation.AgentCommands.AgentUnavailableException;
import dev.asterism.core.error.AsterismException;
import dev.asterism.core.reconciliation.Backoff;
import dev.asterism.core.reconciliation.Claim;
import dev.asterism.core.reconciliation.Claimant;
import dev.asterism.core.reconciliation.ReconcileLoop;
import dev.asterism.core.store.Store;
import dev.asterism.core.user.User;
import dev.asterism.core.vm.Vm;
import dev.asterism.core.vm.VmService;
import dev.asterism.core.vm.VmState;
import dev.asterism.protocol.CommandKind;
import dev.asterism.protocol.CommandResult;
import dev.asterism.protocol.ControllerCommand;
import dev.asterism.protocol.SealedBox;
import dev.asterism.protocol.SealedBundle;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Drives constellations (provisioning, destruction) and their members through the onboarding phases of DESIGN.md,
 * one idempotent step per pass, with every phase, deadline and condition in the database. Commands to agents carry
 * ids derived from the member, the phase and when it began, so a step repeated after a crash asks the agent the
 * same question and gets the same answer.
 */
public final class ConstellationReconciler implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ConstellationReconciler.class.getName());
    private static final int BATCH = 256;
    private static final int HUB_LISTEN_PORT = 51820;
    private static final int REDELIVER_EVERY_POLLS = 40;
    private static final String SEALED = "join bundle sealed";
    private static final String DELIVERED = "join bundle delivered";
    private static final String NOT_CONNECTED = "the member's agent is not connected; delivering the join bundle"
            + " when it is";

    /**
     * @param pollInterval how soon a phase that waits looks again
     * @param phaseTimeout how long one phase may take before the member fails
     * @param leaseDuration how long join ports stay open; the controller's firewall closes them itself after that
     * @param cleanupAttempts how often a cleanup step is tried before it is given up (the controller may be gone)
     */
    public record Settings(Duration pollInterval, Duration phaseTimeout, Duration leaseDuration, int cleanupAttempts,
            Claimant claimant) {
        public Settings {
            requireNonNull(claimant, "claimant is null");
            requireNonNull(pollInterval, "pollInterval is null");
            requireNonNull(phaseTimeout, "phaseTimeout is null");
            requireNonNull(leaseDuration, "leaseDuration is null");
        }
    }

    private final Store store;
    private final VmService vms;
    private final AgentCommands agents;
    private final Clock clock;
    private final Settings settings;
    private final ReconcileLoop loop;
    private final Backoff backoff;

    public ConstellationReconciler(Store store, VmService vms, AgentCommands agents, Clock clock, Settings settings) {
        this.store = requireNonNull(store, "store is null");
        this.vms = requireNonNull(vms, "vms is null");
        this.agents = requireNonNull(agents, "agents is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.loop = new ReconcileLoop("constellation-reconciler", settings.pollInterval(), this::runDue);
        // Up to 64 polls: a member's phase has its own deadline, which retries must leave room for.
        this.backoff = new Backoff(settings.pollInterval().multipliedBy(2), settings.pollInterval().multipliedBy(64));
    }

    public void start() {
        loop.start();
    }

    public void wake() {
        loop.wake();
    }

    /** One step for every due constellation and member, in parallel; returns how many ended without an exception. */
    public int runDue() {
        Instant now = now();
        Claim claim = settings.claimant().claimAt(now);
        List<Constellation> constellations = store.call(t -> t.constellations().claimDue(claim, BATCH));
        List<Member> members = store.call(t -> t.constellations().claimDueMembers(claim, BATCH));
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> futures = new ArrayList<>();
            constellations.forEach(c -> futures.add(executor.submit(() -> step(c))));
            members.forEach(m -> futures.add(executor.submit(() -> step(m))));
            int taken = 0;
            for (Future<?> future : futures) {
                try {
                    future.get();
                    taken++;
                } catch (java.util.concurrent.ExecutionException e) {
                    LOG.log(Level.WARNING, "a constellation step failed, retrying later", e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            return taken;
        }
    }

    // ---- constellations

    void step(Constellation constellation) {
        Instant now = now();
        User owner = owner(constellation.owner());
        Optional<Vm> controller = store.call(transaction -> transaction.vms().find(constellation.controllerVm()));
        switch (constellation.state()) {
            case PROVISIONING -> {
                if (controller.isEmpty() || controller.get().state() == VmState.FAILED
                        || controller.get().state() == VmState.DESTROYED) {
                    String reason = "the controlling VM failed: "
                            + controller.map(vm -> String.valueOf(vm.reason())).orElse("it is gone");
                    save(constellation.moveTo(ConstellationState.FAILED, reason, null, now, null), "constellation.failed",
                            Map.of("reason", reason));
                    return;
                }
                Vm vm = controller.get();
                if (vm.state() != VmState.RUNNING || agentKey(vm).isEmpty()) {
                    save(constellation.waitUntil("waiting for the controlling VM's agent (" + vm.state() + ")", now,
                            now.plus(settings.pollInterval())), null, Map.of());
                    return;
                }
                try {
                    CommandResult result = command(vm, "provision/" + constellation.createdAt().toEpochMilli(),
                            CommandKind.PROVISION_CONTROLLER, Map.of("domain", constellation.domain(),
                                    "overlaySubnet", constellation.overlaySubnet(),
                                    "hubOverlayAddress", ConstellationService.HUB_OVERLAY_ADDRESS,
                                    "listenPort", Integer.toString(HUB_LISTEN_PORT)));
                    // Due again at once: the owner's domain account comes next, now that the domain exists.
                    save(constellation.moveTo(ConstellationState.ACTIVE, null, result.results().get("hubPublicKey"),
                            now, now), "constellation.active", Map.of("domain", constellation.domain()));
                } catch (StepFailed e) {
                    if (e.retryable && !pastDeadline(constellation.createdAt(), now)) {
                        save(constellation.retryAt(e.getMessage(), now, backoff.next(now, constellation.name(), constellation.attempts())), null,
                                Map.of());
                    } else {
                        save(constellation.moveTo(ConstellationState.FAILED, "provisioning failed: " + e.getMessage(),
                                null, now, null), "constellation.failed", Map.of("reason", e.getMessage()));
                    }
                }
            }
            case DESTROYING -> {
                List<Member> members = store.call(transaction -> transaction.constellations()
                        .members(constellation.name(), false));
                boolean waiting = false;
                for (Member member : members) {
                    if (member.phase() == MemberPhase.FAILED) {
                        saveMember(member.enter(MemberPhase.REMOVED, member.condition(), now), "member.removed");
                    } else if (!member.removalRequested()) {
                        saveMember(member.removing(true, "the constellation is being destroyed", now),
                                "member.removal-requested");
                        waiting = true;
                    } else {
                        waiting = true;
                    }
                }
                if (waiting) {
                    save(constellation.waitUntil("removing " + members.size() + " members", now,
                            now.plus(settings.pollInterval())), null, Map.of());
                    return;
                }
                if (controller.isPresent() && controller.get().state() != VmState.DESTROYED) {
                    if (controller.get().desiredState() != dev.asterism.core.vm.DesiredState.DESTROYED) {
                        vms.destroy(owner, controller.get().name());
                    }
                    save(constellation.waitUntil("destroying the controlling VM", now,
                            now.plus(settings.pollInterval())), null, Map.of());
                    return;
                }
                // The domain, and every account in it, went with the controlling VM.
                store.run(transaction -> transaction.constellations().people(constellation.name()).forEach(person ->
                        transaction.constellations().updatePerson(person.moveTo(PersonState.REMOVED,
                                "the constellation was destroyed", now))));
                save(constellation.moveTo(ConstellationState.DESTROYED, null, constellation.hubPublicKey(), now, null),
                        "constellation.destroyed", Map.of());
            }
            case ACTIVE -> stepPeople(constellation, controller.orElse(null), now);
            case DESTROYED, FAILED -> save(constellation.moveTo(constellation.state(), constellation.reason(),
                    constellation.hubPublicKey(), now, null), null, Map.of());
        }
    }

    // ---- people

    /**
     * Makes the accounts of people added and takes away those of people leaving, one person at a time; a
     * constellation with a step left to retry is looked at again after a back-off, one with nothing left waits for
     * the next request.
     */
    private void stepPeople(Constellation constellation, Vm controller, Instant now) {
        List<Person> pending = store.call(transaction -> transaction.constellations().people(constellation.name()))
                .stream().filter(person -> person.state() == PersonState.ADDING || person.state() == PersonState.REMOVING)
                .toList();
        String retrying = null;
        for (Person person : pending) {
            try {
                if (person.state() == PersonState.ADDING) {
                    createAccount(controller, person, now);
                } else {
                    removeAccount(constellation, controller, person, now);
                }
            } catch (StepFailed e) {
                savePerson(person.moveTo(person.state(), e.getMessage() + (e.retryable ? "; retrying" : ""), now),
                        null);
                if (e.retryable) {
                    retrying = person.username() + ": " + e.getMessage();
                }
            }
        }
        if (retrying == null) {
            save(constellation.moveTo(ConstellationState.ACTIVE, null, constellation.hubPublicKey(), now, null), null,
                    Map.of());
        } else {
            save(constellation.retryAt("people: " + retrying + "; retrying", now,
                    backoff.next(now, constellation.name(), constellation.attempts())), null, Map.of());
        }
    }

    private void createAccount(Vm controller, Person person, Instant now) {
        Optional<String> problem = ConstellationPeople.accountNameProblem(person.username());
        if (problem.isPresent()) {
            throw new StepFailed(problem.get() + "; this person can open tunnels but has no desktop account", false);
        }
        command(controller, "person/" + person.id() + "/create", CommandKind.CREATE_DOMAIN_USER,
                Map.of("userName", person.username()));
        savePerson(person.moveTo(PersonState.ACTIVE, null, now), "person.account-created");
    }

    /** Sessions end, the account goes, and sessions end again: a login in between finds no account afterwards. */
    private void removeAccount(Constellation constellation, Vm controller, Person person, Instant now) {
        endSessions(constellation, person, "end1");
        if (ConstellationPeople.accountNameProblem(person.username()).isEmpty()) {
            command(controller, "person/" + person.id() + "/remove", CommandKind.REMOVE_DOMAIN_USER,
                    Map.of("userName", person.username()));
        }
        endSessions(constellation, person, "end2");
        savePerson(person.moveTo(PersonState.REMOVED, "removed: account deleted, sessions ended", now),
                "person.removed");
    }

    private void endSessions(Constellation constellation, Person person, String pass) {
        if (ConstellationPeople.accountNameProblem(person.username()).isPresent()) {
            return;
        }
        List<Member> ready = store.call(transaction -> transaction.constellations().members(constellation.name(), false))
                .stream().filter(member -> member.phase() == MemberPhase.READY && member.vmName() != null).toList();
        for (Member member : ready) {
            Optional<Vm> vm = store.call(transaction -> transaction.vms().find(member.vmName()));
            if (vm.isPresent() && vm.get().state() == VmState.RUNNING) {
                command(vm.get(), "person/" + person.id() + "/" + pass + "/" + member.id(),
                        CommandKind.END_USER_SESSIONS, Map.of("userName", person.username()));
            }
        }
    }

    private void savePerson(Person person, String action) {
        Instant now = now();
        store.run(transaction -> {
            if (transaction.constellations().updatePerson(person).isPresent() && action != null) {
                transaction.audit().append("system", action, "constellation:" + person.constellation(),
                        Map.of("user", person.username(), "state", person.state().name()), now);
            }
        });
    }

    // ---- members

    void step(Member member) {
        Instant now = now();
        Optional<Constellation> found = store.call(transaction -> transaction.constellations()
                .find(member.constellation()));
        if (found.isEmpty()) {
            return;
        }
        Constellation constellation = found.get();
        try {
            stepMember(constellation, member, now);
        } catch (StepFailed e) {
            boolean cleanup = !member.phase().isOnboarding();
            if (e.retryable && !pastDeadline(member.phaseStartedAt(), now)
                    && (!cleanup || member.attempts() + 1 < settings.cleanupAttempts())) {
                // During cleanup the condition keeps why the member is being removed; the retry is added to it.
                String condition = cleanup ? withoutCleanupNote(member.condition()) + " (cleanup step "
                        + member.phase() + ": " + e.getMessage() + "; retrying)" : e.getMessage() + "; retrying";
                saveMember(member.retryAt(condition, now, backoff.next(now, member.id(), member.attempts())), null);
            } else if (cleanup) {
                // The controller may be gone for good; what it held dies with it. Move on, and say so.
                saveMember(advanceCleanup(member, now, withoutCleanupNote(member.condition()) + " (cleanup step "
                        + member.phase() + " gave up: " + e.getMessage() + ")"), "member.cleanup-skipped");
            } else {
                fail(member, now, member.phase() + " failed: " + e.getMessage());
            }
        } catch (AsterismException e) {
            fail(member, now, member.phase() + " failed: " + e.getMessage());
        }
    }

    private void stepMember(Constellation constellation, Member member, Instant now) {
        Vm controller = store.call(transaction -> transaction.vms().find(constellation.controllerVm())).orElse(null);
        // A VM requested by a pass whose write of the member lost to a removal has no name on the member: it is
        // found by the name the member's VMs get, on the constellation's network, so that cleanup destroys it.
        String network = ConstellationService.networkOf(constellation.name());
        Optional<Vm> memberVm = store.call(transaction -> transaction.vms().find(member.vmName() != null
                ? member.vmName() : ConstellationService.memberVmName(constellation.name(), member.name())))
                .filter(vm -> member.vmName() != null || vm.network().equals(network));
        // vpn-first: REQUEST_VM, VPN, INJECT, JOIN (through the tunnel), READY; no port is opened.
        boolean vpnFirst = constellation.joinMode() == JoinMode.VPN_FIRST;
        if (member.phase().isOnboarding() && member.phase() != MemberPhase.READY && member.phase() != MemberPhase.REQUEST_VM
                && pastDeadline(member.phaseStartedAt(), now)) {
            fail(member, now, member.phase() + " did not finish within " + human(settings.phaseTimeout()));
            return;
        }
        switch (member.phase()) {
            case REQUEST_VM -> {
                if (member.vmName() == null) {
                    String vmName = ConstellationService.memberVmName(constellation.name(), member.name());
                    User owner = owner(constellation.owner());
                    Optional<Vm> existing = store.call(transaction -> transaction.vms().find(vmName))
                            .filter(vm -> vm.state() != VmState.DESTROYED);
                    if (existing.isEmpty()) {
                        try {
                            vms.startMember(owner, vmName, member.brick(), member.profile(),
                                    ConstellationService.networkOf(constellation.name()), constellation.project());
                        } catch (AsterismException e) {
                            // Another pass (or server) requested it a moment ago: that VM is this member's.
                            if (e.code() != dev.asterism.core.error.ErrorCode.ALREADY_EXISTS) {
                                throw e;
                            }
                        }
                    }
                    saveMember(member.withVm(vmName).waitUntil("waiting for the VM to start", now, now), "member.vm-requested");
                    return;
                }
                Vm vm = memberVm.orElse(null);
                if (vm == null || vm.state() == VmState.FAILED || vm.state() == VmState.DESTROYED) {
                    fail(member, now, "its VM failed: " + (vm == null ? "it is gone" : vm.reason()));
                } else if (vm.state() == VmState.RUNNING && agentKey(vm).isPresent()) {
                    MemberPhase next = vpnFirst ? MemberPhase.VPN : MemberPhase.OPEN_PORTS;
                    saveMember(member.enter(next, null, now), "member.phase");
                } else {
                    saveMember(member.waitUntil("waiting for the VM's agent to register (" + vm.state() + ")", now,
                            now.plus(settings.pollInterval())), null);
                }
            }
            case OPEN_PORTS -> {
                // The expiry comes from the phase's start, not from this pass: a pass repeated after a crash or a
                // lost answer sends the same command under the same id, which the agent answers from its record.
                command(controller, commandId(member, "lease"), CommandKind.OPEN_PORT_LEASE, Map.of(
                        "leaseId", member.id(), "sourceAddress", underlay(memberVm.orElseThrow()),
                        "expiresAt", member.phaseStartedAt().plus(settings.leaseDuration()).toString()));
                saveMember(member.enter(MemberPhase.INJECT, null, now), "member.phase");
            }
            case INJECT -> {
                Vm vm = memberVm.orElseThrow();
                Member sealed = member;
                if (member.sealedBundle() == null) {
                    CommandResult result = command(controller, commandId(member, "seal"), CommandKind.SEAL_JOIN_BUNDLE,
                            Map.of("memberName", member.name(), "memberVmId", vm.id(),
                                    "computerName", member.computerName(), "memberPublicKey", agentKey(vm).orElseThrow(),
                                    "dcAddress", vpnFirst ? ConstellationService.HUB_OVERLAY_ADDRESS
                                            : underlay(controller)));
                    Map<String, String> box = result.results();
                    sealed = member.withSealedBundle(box.get("bundleId") + "\n" + box.get("ephemeralPublicKey") + "\n"
                            + box.get("nonce") + "\n" + box.get("ciphertext") + "\n" + box.get("associatedData"));
                }
                // The phase changes before the bundle goes out: the stub's reports, which may come back within
                // milliseconds, count only in JOIN. A bundle not delivered here goes out on JOIN's first pass.
                Optional<Member> joining = saveMember(sealed.enter(MemberPhase.JOIN, SEALED, now), "member.phase");
                if (joining.isPresent() && agents.deliver(vm.id(), bundle(sealed))) {
                    saveMember(joining.get().waitUntil(DELIVERED, now, now.plus(settings.pollInterval())), null);
                }
            }
            case JOIN -> {
                if ("SUCCEEDED".equals(member.joinStatus()) && vpnFirst) {
                    verifyJoin(controller, member);
                    becomeReady(constellation, member, memberVm.orElseThrow(), now);
                } else if ("SUCCEEDED".equals(member.joinStatus())) {
                    saveMember(member.enter(MemberPhase.VPN, null, now), "member.phase");
                } else if ("FAILED".equals(member.joinStatus())) {
                    fail(member, now, "the join failed: " + member.condition());
                } else {
                    String condition = member.condition();
                    if (SEALED.equals(condition) || NOT_CONNECTED.equals(condition)
                            || (member.attempts() > 0 && member.attempts() % REDELIVER_EVERY_POLLS == 0)) {
                        // The first delivery, or again: the stub may have missed the bundle or the server its
                        // reports (a reconnect). The stub runs nothing twice and answers with its latest report.
                        boolean delivered = agents.deliver(memberVm.orElseThrow().id(), bundle(member));
                        if (!delivered) {
                            condition = NOT_CONNECTED;
                        } else if (SEALED.equals(condition) || NOT_CONNECTED.equals(condition)) {
                            condition = DELIVERED;
                        }
                    }
                    saveMember(member.retryAt(condition, now, now.plus(settings.pollInterval())), null);
                }
            }
            case VPN -> {
                Vm vm = memberVm.orElseThrow();
                if (!vpnFirst) {
                    verifyJoin(controller, member);
                }
                String key = command(vm, commandId(member, "spoke-key"), CommandKind.VPN_SPOKE_KEY, Map.of())
                        .results().get("publicKey");
                Member keyed = member;
                if (!key.equals(member.vpnPublicKey())) {
                    // Written before the hub learns the key, so a cleanup after any failure can take the peer out.
                    Optional<Member> written = saveMember(member.withVpnPublicKey(key), null);
                    if (written.isEmpty()) {
                        return;
                    }
                    keyed = written.get();
                }
                CommandResult hub = command(controller, commandId(member, "peer"), CommandKind.ADD_VPN_PEER, Map.of(
                        "peerPublicKey", key, "overlayAddress", member.overlayAddress(),
                        "endpoint", underlay(vm) + ":" + HUB_LISTEN_PORT));
                command(vm, commandId(member, "spoke"), CommandKind.CONFIGURE_VPN_SPOKE, Map.of(
                        "hubPublicKey", hub.results().get("hubPublicKey"),
                        "hubEndpoint", underlay(controller) + ":" + HUB_LISTEN_PORT,
                        "overlayAddress", member.overlayAddress(), "allowedSubnet", constellation.overlaySubnet(),
                        "controllerAddress", ConstellationService.HUB_OVERLAY_ADDRESS));
                saveMember(keyed.enter(vpnFirst ? MemberPhase.INJECT : MemberPhase.CLOSE_PORTS, null, now),
                        "member.phase");
            }
            case CLOSE_PORTS -> {
                command(controller, commandId(member, "close"), CommandKind.CLOSE_PORT_LEASE, Map.of("leaseId", member.id()));
                becomeReady(constellation, member, memberVm.orElseThrow(), now);
            }
            case READY -> keepClipboardRule(constellation, member, memberVm.orElse(null), now);
            case REMOVED, FAILED -> saveMember(member.waitUntil(member.condition(), now, null), null);
            case REMOVE_PEER -> {
                if (controller != null && controller.state() == VmState.RUNNING) {
                    // Out of the batch scheduler first, while its jobs can still be told why they end.
                    command(controller, commandId(member, "unnode"), CommandKind.REMOVE_BATCH_NODE, Map.of(
                            "nodeName", member.name(), "reason", "member " + member.name() + " "
                                    + (member.removalRequested() ? "was removed from the constellation" : "failed")));
                    command(controller, commandId(member, "close"), CommandKind.CLOSE_PORT_LEASE,
                            Map.of("leaseId", member.id()));
                    if (member.vpnPublicKey() != null) {
                        command(controller, commandId(member, "unpeer"), CommandKind.REMOVE_VPN_PEER,
                                Map.of("peerPublicKey", member.vpnPublicKey()));
                    }
                }
                saveMember(advanceCleanup(member, now, member.condition()), "member.phase");
            }
            case REMOVE_ACCOUNT -> {
                if (controller != null && controller.state() == VmState.RUNNING) {
                    command(controller, commandId(member, "unjoin"), CommandKind.REMOVE_COMPUTER,
                            Map.of("computerName", member.computerName()));
                }
                saveMember(advanceCleanup(member, now, member.condition()), "member.phase");
            }
            case DESTROY_VM -> {
                if (memberVm.isPresent() && memberVm.get().state() != VmState.DESTROYED) {
                    if (memberVm.get().desiredState() != dev.asterism.core.vm.DesiredState.DESTROYED) {
                        vms.destroy(owner(constellation.owner()), memberVm.get().name());
                    }
                    saveMember(member.waitUntil(member.condition(), now, now.plus(settings.pollInterval())), null);
                    return;
                }
                saveMember(advanceCleanup(member, now, member.condition()),
                        member.removalRequested() ? "member.removed" : "member.failed");
            }
        }
    }

    /**
     * The member's desktop gets the constellation's clipboard rule before anyone can sign in to it. A desktop that
     * refuses the rule keeps its own, which is off until a first rule is set: the member is ready all the same, and
     * its condition says why.
     */
    private void becomeReady(Constellation constellation, Member member, Vm vm, Instant now) {
        Member ready = member.enter(MemberPhase.READY, null, now);
        try {
            setClipboardRule(constellation, member, vm, now);
            ready = ready.withClipboard(constellation.clipboard());
        } catch (StepFailed e) {
            ready = clipboardRefused(constellation, ready, e, now);
        }
        saveMember(ready, "member.ready");
    }

    /**
     * A ready member whose desktop has another rule than the constellation's gets it. Failing to set it never fails
     * the member: the condition says why, and a step that may succeed later is tried again after a back-off.
     */
    private void keepClipboardRule(Constellation constellation, Member member, Vm vm, Instant now) {
        if (member.clipboard() == constellation.clipboard() || vm == null || vm.state() != VmState.RUNNING) {
            saveMember(member.waitUntil(member.clipboard() == constellation.clipboard() ? null : member.condition(),
                    now, null), null);
            return;
        }
        try {
            setClipboardRule(constellation, member, vm, now);
            saveMember(member.withClipboard(constellation.clipboard()).waitUntil(null, now, null), "member.clipboard-set");
        } catch (StepFailed e) {
            saveMember(clipboardRefused(constellation, member, e, now), null);
        }
    }

    private Member clipboardRefused(Constellation constellation, Member member, StepFailed e, Instant now) {
        String condition = "the clipboard rule " + constellation.clipboard().wireName() + " is not set yet: "
                + e.getMessage();
        return e.retryable ? member.retryAt(condition + "; retrying", now, backoff.next(now, member.id(), member.attempts()))
                : member.waitUntil(condition, now, null);
    }

    private void setClipboardRule(Constellation constellation, Member member, Vm vm, Instant now) {
        String rule = constellation.clipboard().wireName();
        command(vm, member.id() + "/clipboard/" + rule + "/" + now.toEpochMilli(), CommandKind.SET_CLIPBOARD_RULE,
                Map.of("clipboard", rule));
    }

    /** The cleanup phase after this one; after the VM, REMOVED on request, else FAILED with the reason kept. */
    private static Member advanceCleanup(Member member, Instant now, String condition) {
        return switch (member.phase()) {
            case REMOVE_PEER -> member.enter(MemberPhase.REMOVE_ACCOUNT, condition, now);
            case REMOVE_ACCOUNT -> member.enter(MemberPhase.DESTROY_VM, condition, now);
            default -> member.enter(member.removalRequested() ? MemberPhase.REMOVED : MemberPhase.FAILED, condition, now);
        };
    }

    /** A member's condition without the note a cleanup step added to it: the reason the member is removed. */
    private static String withoutCleanupNote(String condition) {
        if (condition == null) {
            return "";
        }
        int note = condition.indexOf(" (cleanup step ");
        return note < 0 ? condition : condition.substring(0, note);
    }

    private void fail(Member member, Instant now, String reason) {
        saveMember(member.removing(false, reason, now), "member.failing");
    }

    /** Asks the controller whether the member's computer completed its join; a member that did not fails. */
    private void verifyJoin(Vm controller, Member member) {
        CommandResult verified = command(controller, commandId(member, "verify"), CommandKind.VERIFY_JOIN,
                Map.of("computerName", member.computerName()));
        if (!"true".equals(verified.results().get("joined"))) {
            throw new StepFailed("the domain controller does not see the join of " + member.computerName(), false);
        }
    }

    private static SealedBundle bundle(Member member) {
        String[] parts = member.sealedBundle().split("\n", -1);
        return new SealedBundle(parts[0], member.name(), new SealedBox(parts[1], parts[2], parts[3], parts[4]));
    }

    private CommandResult command(Vm vm, String id, CommandKind kind, Map<String, String> arguments) {
        if (vm == null) {
            throw new StepFailed("the controlling VM is gone", false);
        }
        try {
            CommandResult result = agents.execute(vm.id(), new ControllerCommand(id, kind, arguments));
            if (!result.ok()) {
                throw new StepFailed(kind + " on " + vm.name() + ": " + result.message(),
                        "true".equals(result.results().get("retryable")));
            }
            return result;
        } catch (AgentUnavailableException e) {
            throw new StepFailed("the agent of " + vm.name() + " is unreachable: " + e.getMessage(), true);
        }
    }

    private static String commandId(Member member, String what) {
        return member.id() + "/" + what + "/" + member.phaseStartedAt().toEpochMilli();
    }

    private Optional<String> agentKey(Vm vm) {
        return store.call(transaction -> transaction.vms().agentKey(vm.id()));
    }

    private static String underlay(Vm vm) {
        if (vm.addresses().isEmpty()) {
            throw new StepFailed(vm.name() + " has no underlay address yet", true);
        }
        return vm.addresses().getFirst();
    }

    private User owner(String username) {
        return store.call(transaction -> transaction.users().find(username))
                .orElseThrow(() -> new StepFailed("the owner '" + username + "' no longer exists", false));
    }

    private boolean pastDeadline(Instant since, Instant now) {
        return !now.isBefore(since.plus(settings.phaseTimeout()));
    }

    private void save(Constellation constellation, String action, Map<String, String> details) {
        Instant now = now();
        store.run(transaction -> {
            if (transaction.constellations().update(constellation).isPresent() && action != null) {
                Map<String, String> all = new HashMap<>(details);
                all.put("state", constellation.state().name());
                transaction.audit().append("system", action, "constellation:" + constellation.name(), all, now);
            }
        });
    }

    /** Writes the member (and its audit event) unless someone wrote it first; returns the written row. */
    private Optional<Member> saveMember(Member member, String action) {
        Instant now = now();
        return store.call(transaction -> {
            Optional<Member> written = transaction.constellations().updateMember(member);
            if (written.isPresent() && action != null) {
                Map<String, String> details = new HashMap<>();
                details.put("member", member.name());
                details.put("phase", member.phase().name());
                if (member.condition() != null) {
                    details.put("condition", member.condition());
                }
                if (member.clipboard() != null) {
                    details.put("clipboard", member.clipboard().wireName());
                }
                transaction.audit().append("system", action, "constellation:" + member.constellation(), details, now);
            }
            return written;
        });
    }

    private static String human(Duration duration) {
        return duration.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    /** A step that did not work; retryable ones are tried again with back-off until the phase deadline. */
    private static final class StepFailed extends RuntimeException {
        final boolean retryable;

        StepFailed(String message, boolean retryable) {
            super(message);
            this.retryable = retryable;
        }
    }

    @Override
    public void close() {
        loop.close();
    }
}
