package dev.asterism.core.vm;

import static java.util.Objects.requireNonNull;

import dev.asterism.core.catalog.Brick;
import dev.asterism.core.catalog.CatalogService;
import dev.asterism.core.catalog.HardwareProfile;
import dev.asterism.core.catalog.Image;
import dev.asterism.core.error.AsterismException;
import dev.asterism.core.error.ErrorCode;
import dev.asterism.core.permission.Authorization;
import dev.asterism.core.permission.GrantLevel;
import dev.asterism.core.project.Project;
import dev.asterism.core.project.ProjectService;
import dev.asterism.core.project.Usage;
import dev.asterism.core.store.Store;
import dev.asterism.core.store.Transaction;
import dev.asterism.core.user.User;
import dev.asterism.core.validation.Validate;
import dev.asterism.spi.realm.RealmCapability;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * What users ask of VMs. Requests only record the desired state; the {@link VmReconciler} talks to the
 * realm, so that a crash between the request and the realm call loses nothing.
 */
public final class VmService {
    /**
     * How many VMs a user who is not an admin may have starting at once (requested, starting, awaiting their
     * agent): more requests wait (429) until some are running, so that one user cannot flood the realm and the server.
     */
    public static final int STARTING_PER_USER = 20;

    private final Store store;
    private final Realms realms;
    private final RegistrationTokens tokens;
    private final Clock clock;
    private final Duration registrationTimeout;
    private final Runnable wakeReconciler;

    public VmService(Store store, Realms realms, RegistrationTokens tokens, Clock clock, Duration registrationTimeout,
            Runnable wakeReconciler) {
        this.store = requireNonNull(store, "store is null");
        this.realms = requireNonNull(realms, "realms is null");
        this.tokens = requireNonNull(tokens, "tokens is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.registrationTimeout = requireNonNull(registrationTimeout, "registrationTimeout is null");
        this.wakeReconciler = requireNonNull(wakeReconciler, "wakeReconciler is null");
    }

    public Vm start(User caller, String name, String brickName, String realmName, String profileName) {
        return start(caller, name, brickName, realmName, profileName, null);
    }

    /**
     * Requests a plain VM, alone on its own network, in {@code project} ({@link Project#DEFAULT} when null): the
     * caller must take part in it, the brick must be approved for its level, and the VM must fit in its quota.
     *
     * @throws AsterismException TOO_MANY_REQUESTS when the caller, not an admin, has {@value #STARTING_PER_USER} VMs
     *     starting; CONFLICT when the quota or the brick's level does not allow it
     */
    public Vm start(User caller, String name, String brickName, String realmName, String profileName,
            String projectName) {
        Validate.name("name", name);
        Validate.present("brick", brickName);
        Instant now = now();
        Vm vm = store.call(transaction -> {
            Brick brick = CatalogService.visibleBrick(transaction, caller, brickName);
            Project project = ProjectService.lockForWork(transaction, caller, projectName);
            ProjectService.requireBrickAt(transaction, brick, project);
            HardwareProfile profile = profile(transaction, brick, profileName);
            ProjectService.requireRoom(transaction, project, Usage.ofVms(1, profile.vcpus(), profile.memoryMib(),
                    profile.diskGib()), "VM " + name + " needs");
            return request(transaction, caller, name, brick, realmName, profile.name(), null, project.name(), true,
                    now);
        });
        wakeReconciler.run();
        return vm;
    }

    /**
     * Requests the VM of a constellation's member for its owner, as the constellation reconciler does: the members'
     * own bound ({@code ConstellationService}) holds instead of {@value #STARTING_PER_USER}, and the member counted
     * against the project's quota when it was added.
     */
    public Vm startMember(User owner, String name, String brickName, String profileName, String network,
            String project) {
        Instant now = now();
        Vm vm = store.call(transaction -> request(transaction, owner, name,
                CatalogService.visibleBrick(transaction, owner, brickName), null, profileName, network, project, false,
                now));
        wakeReconciler.run();
        return vm;
    }

    /**
     * Records a VM request inside the caller's transaction, without the project's checks (the caller made them), on
     * the isolated network {@code network} or, when it is null, alone on its own. Call {@link #wake} once it commits.
     */
    public Vm request(Transaction transaction, User caller, String name, Brick brick, String realmName,
            String profileName, String network, String project, boolean bounded, Instant now) {
        Validate.name("name", name);
        String realm = realmName == null ? realms.defaultRealm() : realmName;
        Authorization.requireGrant(transaction, caller, brick.name(), GrantLevel.USE);
        if (bounded && !caller.role().isAdmin()) {
            long starting = transaction.vms().list(caller.username()).stream().filter(existing -> existing.state()
                    == VmState.REQUESTED || existing.state() == VmState.STARTING
                    || existing.state() == VmState.AWAITING_REGISTRATION).count();
            if (starting >= STARTING_PER_USER) {
                throw new AsterismException(ErrorCode.TOO_MANY_REQUESTS, "you have " + starting + " VMs starting,"
                        + " the most one user may: start more once some are running",
                        Map.of("retryAfterSeconds", 10, "starting", starting));
            }
        }
        if (transaction.catalog().realm(realm).isEmpty() || realms.find(realm).isEmpty()) {
            throw AsterismException.invalid("realm", "no realm named '" + realm + "' runs on this server");
        }
        HardwareProfile profile = profile(transaction, brick, profileName);
        Image image = transaction.catalog().image(brick.image())
                .orElseThrow(() -> AsterismException.invalid("brick", "its image '" + brick.image() + "' is gone"));
        String id = UUID.randomUUID().toString();
        Vm requested = new Vm(id, name, caller.username(), project, brick.name(), realm,
                profile.name(), brick.osFamily(), image.source(), profile.vcpus(), profile.memoryMib(),
                profile.diskGib(), network == null ? id : network, VmState.REQUESTED, DesiredState.RUNNING, null,
                List.of(), now, now, now.plus(registrationTimeout), null, now, 0, 0);
        transaction.vms().insert(requested);
        transaction.audit().append(caller.username(), "vm.requested", "vm:" + name, Map.of("id", requested.id(),
                "brick", brick.name(), "realm", realm, "profile", profile.name(), "project", project), now);
        return requested;
    }

    /** Tells the reconciler that requests were recorded. */
    public void wake() {
        wakeReconciler.run();
    }

    private static HardwareProfile profile(Transaction transaction, Brick brick, String profileName) {
        String profileToUse = profileName == null ? brick.profile() : profileName;
        return transaction.catalog().profile(profileToUse)
                .orElseThrow(() -> AsterismException.invalid("profile", "no profile named '" + profileToUse + "'"));
    }

    public Vm stop(User caller, String name) {
        return changeDesiredState(caller, name, DesiredState.STOPPED, "vm.stop-requested");
    }

    public Vm startAgain(User caller, String name) {
        return changeDesiredState(caller, name, DesiredState.RUNNING, "vm.start-requested");
    }

    public Vm destroy(User caller, String name) {
        return changeDesiredState(caller, name, DesiredState.DESTROYED, "vm.destroy-requested");
    }

    public List<Vm> list(User caller) {
        return store.call(transaction -> transaction.vms().list(caller.role().isAdmin() ? null : caller.username()));
    }

    public Vm get(User caller, String name) {
        return store.call(transaction -> visibleVm(transaction, caller, name));
    }

    /**
     * Called when a VM's agent presents its one-time token. Accepted once, while the VM is requested, starting
     * or waiting for registration (an agent may be quicker than the reconciler's record of its VM); accepted again
     * only from the same agent, with both the same keys, whose first answer was lost (its certificate is useless
     * to anyone without its private key); every refusal is audited.
     *
     * @param agentPublicKey the agent's X25519 public key, which join bundles are sealed to
     * @param tlsPublicKey the agent's TLS public key, which its client certificate certifies
     * @return true when accepted
     */
    public boolean register(String vmId, String token, String agentPublicKey, String tlsPublicKey) {
        // The reconciler writes the same row while the VM boots; a registration that lost that race reads again.
        for (int attempt = 1; attempt <= 10; attempt++) {
            Optional<Boolean> decided = tryRegister(vmId, token, agentPublicKey, tlsPublicKey);
            if (decided.isPresent()) {
                wakeReconciler.run();
                return decided.get();
            }
        }
        throw new AsterismException(ErrorCode.CONFLICT, "the VM kept changing during registration: try again");
    }

    /** The decision, or empty when the VM row changed between reading and writing it. */
    private Optional<Boolean> tryRegister(String vmId, String token, String agentPublicKey, String tlsPublicKey) {
        Instant now = now();
        return store.call(transaction -> {
            Vm vm = transaction.vms().findById(vmId).orElse(null);
            String refusal = null;
            boolean repeated = false;
            if (vm == null) {
                refusal = "unknown VM";
            } else if (!tokens.matches(vmId, token)) {
                refusal = "wrong registration token";
            } else if (vm.registeredAt() != null) {
                repeated = transaction.vms().agentKey(vmId).filter(agentPublicKey::equals).isPresent()
                        && transaction.vms().agentTlsKey(vmId).filter(tlsPublicKey::equals).isPresent()
                        && vm.state() != VmState.DESTROYED && vm.state() != VmState.FAILED;
                refusal = repeated ? null : "the token was used already";
            } else if (vm.state() != VmState.REQUESTED && vm.state() != VmState.STARTING
                    && vm.state() != VmState.AWAITING_REGISTRATION) {
                refusal = "the VM is " + vm.state();
            }
            String target = vm == null ? "vm-id:" + vmId : "vm:" + vm.name();
            if (refusal != null) {
                transaction.audit().append("agent", "vm.registration-refused", target, Map.of("reason", refusal), now);
                return Optional.of(false);
            }
            if (repeated) {
                transaction.audit().append("agent", "vm.registration-repeated", target, Map.of("id", vmId), now);
                return Optional.of(true);
            }
            Vm registered = vm.registered(now);
            if (transaction.vms().update(registered).isEmpty()) {
                return Optional.empty();
            }
            transaction.vms().putAgentKeys(vmId, agentPublicKey, tlsPublicKey);
            // The state goes in as in every state change: usage counts running time from these events.
            transaction.audit().append("agent", "vm.registered", target,
                    Map.of("id", vmId, "state", registered.state().name()), now);
            return Optional.of(true);
        });
    }

    private Vm changeDesiredState(User caller, String name, DesiredState desired, String action) {
        // The reconciler may write the same row between our read and our write; then read again and retry.
        for (int attempt = 1; ; attempt++) {
            Optional<Vm> changed = tryChangeDesiredState(caller, name, desired, action);
            if (changed.isPresent()) {
                wakeReconciler.run();
                return changed.get();
            }
            if (attempt == 5) {
                throw new AsterismException(ErrorCode.CONFLICT, "VM '" + name + "' keeps changing: try again");
            }
        }
    }

    private Optional<Vm> tryChangeDesiredState(User caller, String name, DesiredState desired, String action) {
        Instant now = now();
        return store.call(transaction -> {
            Vm vm = visibleVm(transaction, caller, name);
            if (vm.state() == VmState.DESTROYED) {
                throw new AsterismException(ErrorCode.CONFLICT, "VM '" + name + "' is destroyed already");
            }
            if (vm.state() == VmState.FAILED && desired != DesiredState.DESTROYED) {
                throw new AsterismException(ErrorCode.CONFLICT, "VM '" + name + "' failed (" + vm.reason()
                        + "): destroy it and start a new one");
            }
            if (vm.desiredState() == DesiredState.DESTROYED) {
                throw new AsterismException(ErrorCode.CONFLICT, "VM '" + name + "' is being destroyed");
            }
            if (desired != DesiredState.DESTROYED && !realms.find(vm.realm())
                    .map(realm -> realm.capabilities().contains(RealmCapability.STOP_AND_START)).orElse(false)) {
                throw new AsterismException(ErrorCode.CONFLICT, "realm '" + vm.realm()
                        + "' cannot stop and start VMs: destroy the VM instead");
            }
            if (vm.desiredState() == desired) {
                return Optional.of(vm);
            }
            Optional<Vm> updated = transaction.vms().update(vm.withDesiredState(desired, now));
            if (updated.isPresent()) {
                transaction.audit().append(caller.username(), action, "vm:" + name, Map.of("id", vm.id()), now);
            }
            return updated;
        });
    }

    private static Vm visibleVm(Transaction transaction, User caller, String name) {
        Vm vm = transaction.vms().find(name).orElseThrow(() -> AsterismException.notFound("vm", name));
        if (!caller.role().isAdmin() && !vm.owner().equals(caller.username())) {
            throw AsterismException.notFound("vm", name);
        }
        return vm;
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
