package dev.asterism.core.constellation;

import static java.util.Objects.requireNonNull;

import dev.asterism.core.catalog.Brick;
import dev.asterism.core.catalog.Capability;
import dev.asterism.core.catalog.CatalogService;
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
import dev.asterism.core.validation.WireNames;
import dev.asterism.core.vm.VmService;
import dev.asterism.protocol.StepReport;
import dev.asterism.protocol.StepStatus;
import dev.asterism.spi.guest.ClipboardRule;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * What users ask of constellations. Requests write rows; the {@link ConstellationReconciler} does the work, so a
 * crash between a request and its effect loses nothing.
 */
public final class ConstellationService {
    /** Every constellation has its own overlay; they never route to each other, so one subnet serves all. */
    public static final String OVERLAY_SUBNET = "10.77.0.0/24";
    public static final String HUB_OVERLAY_ADDRESS = "10.77.0.1";
    static final int FIRST_MEMBER_HOST = 10;
    static final int LAST_MEMBER_HOST = 254;
    private static final int MAX_MEMBER_NAME = 15;
    /** How many members may be joining at once across the constellations of an owner who is not an admin. */
    public static final int JOINING_PER_OWNER = 100;

    private final Store store;
    private final VmService vms;
    private final Clock clock;
    private final Runnable wakeReconciler;

    public ConstellationService(Store store, VmService vms, Clock clock, Runnable wakeReconciler) {
        this.store = requireNonNull(store, "store is null");
        this.vms = requireNonNull(vms, "vms is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.wakeReconciler = requireNonNull(wakeReconciler, "wakeReconciler is null");
    }

    /** A constellation and its members, for show and the panel. */
    public record View(Constellation constellation, List<Member> members) {}

    /** @param joinMode {@code ports} (the default when null) or {@code vpn-first} */
    /** The isolated network of a constellation's VMs: its controlling VM and all its members share it. */
    static String networkOf(String constellationName) {
        return "constellation-" + constellationName;
    }

    /** The VM of a constellation's member. */
    public static String memberVmName(String constellationName, String memberName) {
        return constellationName + "-" + memberName;
    }

    public Constellation create(User caller, String name, String brickName, String joinMode) {
        return create(caller, name, brickName, joinMode, null, null);
    }

    /**
     * Creates a constellation in {@code project} ({@link Project#DEFAULT} when null) and requests its controlling VM,
     * in one transaction under the project's lock: the caller must take part in the project, the brick must be
     * approved for its level, and one more constellation and its controlling VM must fit in its quota.
     */
    public Constellation create(User caller, String name, String brickName, String joinMode, String projectName,
            String clipboard) {
        Validate.name("name", name);
        JoinMode mode = joinMode == null ? JoinMode.PORTS : WireNames.parse("joinMode", joinMode, JoinMode.class);
        ClipboardRule rule = clipboard == null ? ClipboardRule.OFF : clipboardRule(clipboard);
        if (name.length() > 52) {
            throw AsterismException.invalid("name", "is too long for a constellation: at most 52 characters");
        }
        Validate.present("brick", brickName);
        Instant now = now();
        String controllerVm = name + "-controller";
        Constellation constellation = store.call(transaction -> {
            Brick brick = CatalogService.visibleBrick(transaction, caller, brickName);
            if (!brick.capabilities().contains(Capability.CONTROLLER)) {
                throw AsterismException.invalid("brick", "brick '" + brickName
                        + "' cannot start a controlling VM: pick a brick with the controller capability");
            }
            requireManage(transaction, caller, brickName);
            if (transaction.constellations().find(name).filter(c -> c.state() != ConstellationState.DESTROYED)
                    .isPresent()) {
                throw AsterismException.alreadyExists("constellation", name);
            }
            Project project = ProjectService.lockForWork(transaction, caller, projectName);
            ProjectService.requireBrickAt(transaction, brick, project);
            ProjectService.requireRoom(transaction, project, new Usage(1, 0, 0, 0, 0)
                    .plus(ProjectService.hardware(transaction, brickName, null, 1)), "constellation " + name + " needs");
            vms.request(transaction, caller, controllerVm, brick, null, null, networkOf(name), project.name(), true,
                    now);
            Constellation created = new Constellation(name, caller.username(), project.name(), brickName,
                    controllerVm, name.toUpperCase(Locale.ROOT) + ".ASTERISM.TEST", OVERLAY_SUBNET, mode, rule,
                    ConstellationState.PROVISIONING, null, null, now, now, now, 0, 0);
            transaction.constellations().insert(UUID.randomUUID().toString(), created);
            ConstellationPeople.addOwner(transaction, name, caller.username(), now);
            transaction.audit().append(caller.username(), "constellation.created", "constellation:" + name,
                    Map.of("brick", brickName, "controllerVm", controllerVm, "domain", created.domain(),
                            "joinMode", WireNames.of(mode), "project", project.name(), "clipboard", rule.wireName()),
                    now);
            return created;
        });
        vms.wake();
        wakeReconciler.run();
        return constellation;
    }

    /**
     * Adds members. tiCrypt's rule: only a user who may manage the controller's brick and the worker brick.
     *
     * @param names the members' names, or empty to name {@code count} members w1, w2, ... after the existing ones
     */
    public List<Member> add(User caller, String name, String brickName, String profile, Integer count,
            List<String> names) {
        Validate.present("brick", brickName);
        boolean named = names != null && !names.isEmpty();
        if (named == (count != null)) {
            throw AsterismException.invalid("count", "give either a count or a list of names");
        }
        if (count != null) {
            Validate.range("count", count, 1, 100);
        }
        Instant now = now();
        List<Member> added = store.call(transaction -> {
            Constellation constellation = manageable(transaction, caller, name);
            if (constellation.state() != ConstellationState.ACTIVE) {
                throw new AsterismException(ErrorCode.CONFLICT, "constellation '" + name + "' is "
                        + constellation.state() + ": members can be added once it is ACTIVE");
            }
            requireManage(transaction, caller, constellation.controllerBrick());
            Brick brick = CatalogService.visibleBrick(transaction, caller, brickName);
            requireManage(transaction, caller, brickName);
            if (!brick.capabilities().contains(Capability.WORKER)) {
                throw AsterismException.invalid("brick", "brick '" + brickName
                        + "' cannot be a member: pick a brick with the worker capability");
            }
            if (profile != null) {
                transaction.catalog().profile(profile)
                        .orElseThrow(() -> AsterismException.invalid("profile", "no profile named '" + profile + "'"));
            }
            List<Member> existing = transaction.constellations().members(name, false);
            Set<String> taken = new HashSet<>();
            existing.forEach(member -> taken.add(member.name()));
            List<String> chosen = named ? names : nextNames(taken, count);
            requireRoomToJoin(transaction, caller, constellation.owner(), chosen.size());
            Project project = transaction.projects().lock(constellation.project()).orElseThrow(() ->
                    new AsterismException(ErrorCode.CONFLICT, "the project of " + name + " is gone"));
            ProjectService.requireBrickAt(transaction, brick, project);
            ProjectService.requireRoom(transaction, project, ProjectService.hardware(transaction, brickName,
                    profile, chosen.size()), (chosen.size() == 1 ? "1 member of brick " + brickName + " needs"
                    : chosen.size() + " members of brick " + brickName + " need"));
            Set<String> addresses = new HashSet<>(transaction.constellations().overlayAddresses(name));
            List<Member> members = new ArrayList<>();
            for (String memberName : chosen) {
                Validate.name("names", memberName);
                if (memberName.length() > MAX_MEMBER_NAME) {
                    throw AsterismException.invalid("names", "'" + memberName
                            + "' is too long: member names become computer names, at most 15 characters");
                }
                if (!taken.add(memberName)) {
                    throw AsterismException.alreadyExists("member", memberName);
                }
                String address = freeAddress(addresses);
                Member member = new Member(UUID.randomUUID().toString(), name, memberName, brickName, profile, null,
                        address, MemberPhase.REQUEST_VM, false, null, null, null, null, null, now, now, now, now, 0,
                        0);
                transaction.constellations().insertMember(member);
                transaction.audit().append(caller.username(), "member.added", "constellation:" + name,
                        Map.of("member", memberName, "brick", brickName, "overlayAddress", address), now);
                members.add(member);
            }
            return members;
        });
        wakeReconciler.run();
        return added;
    }

    public Member remove(User caller, String name, String memberName) {
        return retryingOnConflict("member '" + memberName + "'", () -> store.call(transaction -> {
            Instant now = now();
            manageable(transaction, caller, name);
            Member member = transaction.constellations().member(name, memberName)
                    .orElseThrow(() -> AsterismException.notFound("member", memberName));
            if (member.removalRequested()) {
                return java.util.Optional.of(member);
            }
            Member next = member.phase() == MemberPhase.FAILED
                    ? member.enter(MemberPhase.REMOVED, member.condition(), now)
                    : member.removing(true, "removal requested", now);
            var written = transaction.constellations().updateMember(next);
            written.ifPresent(ignored -> transaction.audit().append(caller.username(), "member.removal-requested",
                    "constellation:" + name, Map.of("member", memberName), now));
            return written;
        }));
    }

    public Member retry(User caller, String name, String memberName) {
        return retryingOnConflict("member '" + memberName + "'", () -> store.call(transaction -> {
            Instant now = now();
            manageable(transaction, caller, name);
            Member member = transaction.constellations().member(name, memberName)
                    .orElseThrow(() -> AsterismException.notFound("member", memberName));
            if (member.phase() != MemberPhase.FAILED) {
                throw new AsterismException(ErrorCode.CONFLICT, "member '" + memberName + "' is " + member.phase()
                        + ": only a FAILED member can be retried");
            }
            var written = transaction.constellations().updateMember(member.restarted(now));
            written.ifPresent(ignored -> transaction.audit().append(caller.username(), "member.retried",
                    "constellation:" + name, Map.of("member", memberName), now));
            return written;
        }));
    }

    public Constellation destroy(User caller, String name) {
        return retryingOnConflict("constellation '" + name + "'", () -> store.call(transaction -> {
            Instant now = now();
            Constellation constellation = manageable(transaction, caller, name);
            if (constellation.state() == ConstellationState.DESTROYING) {
                return java.util.Optional.of(constellation);
            }
            if (constellation.state() == ConstellationState.DESTROYED) {
                throw new AsterismException(ErrorCode.CONFLICT, "constellation '" + name + "' is destroyed already");
            }
            var written = transaction.constellations().update(constellation.moveTo(
                    ConstellationState.DESTROYING, "removing members", constellation.hubPublicKey(), now, now));
            written.ifPresent(ignored -> transaction.audit().append(caller.username(),
                    "constellation.destroy-requested", "constellation:" + name, Map.of(), now));
            return written;
        }));
    }

    /** Every live constellation for admins; for anyone else those they own or are one of the people of. */
    public List<Constellation> list(User caller) {
        return store.call(transaction -> {
            if (caller.role().isAdmin()) {
                return transaction.constellations().list(null);
            }
            java.util.TreeMap<String, Constellation> seen = new java.util.TreeMap<>();
            transaction.constellations().list(caller.username()).forEach(c -> seen.put(c.name(), c));
            for (Person person : transaction.constellations().peopleNamed(caller.username())) {
                if (person.mayConnect() && !seen.containsKey(person.constellation())) {
                    transaction.constellations().find(person.constellation())
                            .filter(c -> c.state() != ConstellationState.DESTROYED)
                            .ifPresent(c -> seen.put(c.name(), c));
                }
            }
            return List.copyOf(seen.values());
        });
    }

    public View show(User caller, String name) {
        return store.call(transaction -> new View(visible(transaction, caller, name),
                transaction.constellations().members(name, false)));
    }

    /**
     * What happened to a constellation after {@code afterSeq}: its audit events, in order, for live progress.
     *
     * @throws AsterismException NOT_FOUND when the caller may not see the constellation
     */
    public List<dev.asterism.core.audit.AuditEvent> events(User caller, String name, long afterSeq) {
        return store.call(transaction -> {
            visible(transaction, caller, name);
            return transaction.audit().forTarget("constellation:" + name, afterSeq, 500);
        });
    }

    /** A VM's agent registered: a member that waits for it goes on now, not at the reconciler's next poll. */
    public void agentRegistered() {
        wakeReconciler.run();
    }

    /**
     * A stub's report on a join step. Only the bundle's completion or failure matters to the reconciler; every
     * report is audited.
     */
    public void recordStep(String vmId, StepReport report) {
        // The reconciler writes the same row while it waits; a report must not be lost to that race.
        for (int attempt = 0; attempt < 10; attempt++) {
            if (tryRecordStep(vmId, report)) {
                wakeReconciler.run();
                return;
            }
        }
        throw new AsterismException(ErrorCode.CONFLICT, "the member of VM " + vmId + " keeps changing: report again");
    }

    private boolean tryRecordStep(String vmId, StepReport report) {
        Instant now = now();
        return store.call(transaction -> {
            var vm = transaction.vms().findById(vmId);
            if (vm.isEmpty()) {
                return true;
            }
            var member = transaction.constellations().memberByVm(vm.get().name());
            if (member.isEmpty() || member.get().phase() != MemberPhase.JOIN) {
                return true;
            }
            boolean complete = report.status() == StepStatus.SUCCEEDED
                    && report.stepName().equals(StepReport.BUNDLE_COMPLETE);
            String status = complete ? "SUCCEEDED" : report.status() == StepStatus.FAILED ? "FAILED" : "RUNNING";
            String condition = "step " + report.stepIndex() + " (" + report.stepName() + "): " + report.status()
                    + (report.message().isEmpty() ? "" : ": " + report.message());
            if (transaction.constellations().updateMember(member.get().withJoinStatus(status, condition, now))
                    .isEmpty()) {
                return false;
            }
            transaction.audit().append("agent", "member.step", "constellation:" + member.get().constellation(),
                    Map.of("member", member.get().name(), "step", report.stepName(), "status", report.status().name()),
                    now);
            return true;
        });
    }

    /**
     * Sets which way the clipboard of the members' desktop sessions carries data; the reconciler then sets it on every
     * ready member, and members that join later get it before they are ready. Sessions that started before keep the
     * rule they started with until they end. For the owner, the project's managers and admins.
     */
    public Constellation setClipboard(User caller, String name, String clipboard) {
        ClipboardRule rule = clipboardRule(clipboard);
        return retryingOnConflict("constellation '" + name + "'", () -> {
            try {
                return changeClipboard(caller, name, rule);
            } catch (MemberChanged concurrently) {
                return Optional.empty();
            }
        });
    }

    /** A member was written between our read and our write: the transaction rolls back and is tried again. */
    private static final class MemberChanged extends RuntimeException {
        MemberChanged() {
            super(null, null, false, false);
        }
    }

    private Optional<Constellation> changeClipboard(User caller, String name, ClipboardRule rule) {
        return store.call(transaction -> {
            Instant now = now();
            Constellation constellation = manageable(transaction, caller, name);
            if (constellation.state() == ConstellationState.DESTROYING
                    || constellation.state() == ConstellationState.DESTROYED) {
                throw new AsterismException(ErrorCode.CONFLICT, "constellation '" + name + "' is "
                        + constellation.state());
            }
            if (constellation.clipboard() == rule) {
                return Optional.of(constellation);
            }
            Optional<Constellation> changed = transaction.constellations().update(constellation.withClipboard(rule, now));
            if (changed.isEmpty()) {
                return Optional.<Constellation>empty();
            }
            // Every onboarding or ready member is written, so a pass that read the old rule cannot save it.
            for (Member member : transaction.constellations().members(name, false)) {
                if (member.phase().isOnboarding() && !member.removalRequested()
                        && transaction.constellations().updateMember(member.waitUntil(member.condition(), now, now))
                                .isEmpty()) {
                    throw new MemberChanged();
                }
            }
            transaction.audit().append(caller.username(), "constellation.clipboard-changed", "constellation:" + name,
                    Map.of("from", constellation.clipboard().wireName(), "to", rule.wireName()), now);
            return changed;
        });
    }

    private static ClipboardRule clipboardRule(String clipboard) {
        Validate.present("clipboard", clipboard);
        return ClipboardRule.ofWireName(clipboard).orElseThrow(() -> AsterismException.invalid("clipboard",
                "must be one of " + ClipboardRule.wireNames() + ", not '" + clipboard + "'"));
    }

    /** The reconciler writes the same rows while it works: a change that lost that race is read and tried again. */
    private <T> T retryingOnConflict(String what, java.util.function.Supplier<java.util.Optional<T>> attempt) {
        for (int tries = 0; tries < 10; tries++) {
            java.util.Optional<T> done = attempt.get();
            if (done.isPresent()) {
                wakeReconciler.run();
                return done.get();
            }
        }
        throw new AsterismException(ErrorCode.CONFLICT, what + " keeps changing: try again");
    }

    /**
     * The constellation, for its owner, its people, its project's managers and admins; NOT_FOUND for anyone else, as
     * if it did not exist.
     */
    static Constellation visible(Transaction transaction, User caller, String name) {
        Constellation constellation = transaction.constellations().find(name)
                .orElseThrow(() -> AsterismException.notFound("constellation", name));
        if (!caller.role().isAdmin() && !constellation.owner().equals(caller.username())
                && transaction.constellations().person(name, caller.username()).filter(Person::mayConnect).isEmpty()
                && !ProjectService.isManager(transaction, caller.username(), constellation.project())) {
            throw AsterismException.notFound("constellation", name);
        }
        return constellation;
    }

    /** Only the owner, or an admin for the infrastructure, changes members and destroys. */
    private static Constellation manageable(Transaction transaction, User caller, String name) {
        Constellation constellation = visible(transaction, caller, name);
        if (!caller.role().isAdmin() && !constellation.owner().equals(caller.username())
                && !ProjectService.isManager(transaction, caller.username(), constellation.project())) {
            throw AsterismException.forbidden("only the owner of " + name + ", " + constellation.owner()
                    + ", a manager of its project " + constellation.project()
                    + " or an admin may change its members or destroy it");
        }
        return constellation;
    }

    /** Whether the caller is one of the people of the constellation (the owner is one): who may reach its members. */
    public boolean mayConnect(User caller, String name) {
        return store.call(transaction -> transaction.constellations().person(name, caller.username())
                .filter(Person::mayConnect).isPresent());
    }

    private static void requireManage(Transaction transaction, User caller, String brick) {
        Authorization.requireGrant(transaction, caller, brick, GrantLevel.MANAGE);
    }

    /**
     * A user who is not an admin may have {@value #JOINING_PER_OWNER} members joining (not yet ready) across the
     * constellations they own: more wait (429) until some are ready, so that one user cannot flood the realm.
     */
    private static void requireRoomToJoin(Transaction transaction, User caller, String owner, int adding) {
        if (caller.role().isAdmin()) {
            return;
        }
        long joining = 0;
        for (Constellation owned : transaction.constellations().list(owner)) {
            joining += transaction.constellations().members(owned.name(), false).stream()
                    .filter(member -> !member.phase().isSettled()).count();
        }
        if (joining + adding > JOINING_PER_OWNER) {
            throw new AsterismException(ErrorCode.TOO_MANY_REQUESTS, joining + " members of your constellations are"
                    + " still joining and " + adding + " more would pass " + JOINING_PER_OWNER + ": add them once some"
                    + " are ready", Map.of("retryAfterSeconds", 30, "joining", joining));
        }
    }

    private static List<String> nextNames(Set<String> taken, int count) {
        List<String> names = new ArrayList<>();
        for (int index = 1; names.size() < count; index++) {
            if (!taken.contains("w" + index)) {
                names.add("w" + index);
            }
        }
        return names;
    }

    private static String freeAddress(Set<String> taken) {
        for (int host = FIRST_MEMBER_HOST; host <= LAST_MEMBER_HOST; host++) {
            String address = "10.77.0." + host;
            if (taken.add(address)) {
                return address;
            }
        }
        throw new AsterismException(ErrorCode.CONFLICT, "the constellation's overlay has no free address left");
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
