package dev.asterism.core.project;

import static java.util.Objects.requireNonNull;

import dev.asterism.core.catalog.Brick;
import dev.asterism.core.catalog.HardwareProfile;
import dev.asterism.core.constellation.Constellation;
import dev.asterism.core.constellation.ConstellationPeople;
import dev.asterism.core.constellation.Member;
import dev.asterism.core.constellation.Person;
import dev.asterism.core.error.AsterismException;
import dev.asterism.core.error.ErrorCode;
import dev.asterism.core.permission.Authorization;
import dev.asterism.core.store.Store;
import dev.asterism.core.store.Transaction;
import dev.asterism.core.user.User;
import dev.asterism.core.validation.Validate;
import dev.asterism.core.validation.WireNames;
import dev.asterism.core.vm.Vm;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Security levels, clearances and projects. Admins define the levels, clear users and approve bricks; a project has a
 * level, a quota and members, and what it holds is counted when work is asked for, under a lock on the project.
 */
public final class ProjectService {
    public static final int MAX_LEVELS = 20;
    public static final int MAX_QUOTA = 1_000_000;

    private final Store store;
    private final Clock clock;
    private final Consumer<List<Person>> leavers;

    public ProjectService(Store store, Clock clock) {
        this(store, clock, people -> { });
    }

    /**
     * @param leavers told, once the change is stored, who left constellations because they no longer take part in
     *     their project (the server closes their tunnels)
     */
    public ProjectService(Store store, Clock clock, Consumer<List<Person>> leavers) {
        this.store = requireNonNull(store, "store is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.leavers = requireNonNull(leavers, "leavers is null");
    }

    /** A project with its named members, its teams and what it holds now. */
    public record View(Project project, List<ProjectMember> members, List<ProjectTeam> teams, Usage usage) {}

    /** A level as asked for: its name and what it means. */
    public record LevelRequest(String name, String description) {}

    public List<SecurityLevel> levels() {
        return store.call(transaction -> transaction.projects().levels());
    }

    /**
     * Replaces the ordered list of levels (lowest first). A level that a user, a brick or a project is at cannot be
     * left out.
     */
    public List<SecurityLevel> setLevels(User caller, List<LevelRequest> requested) {
        Authorization.requireAdmin(caller, "define security levels");
        if (requested == null || requested.isEmpty()) {
            throw AsterismException.invalid("levels", "give at least one level, the lowest first");
        }
        if (requested.size() > MAX_LEVELS) {
            throw AsterismException.invalid("levels", "at most " + MAX_LEVELS + " levels");
        }
        List<SecurityLevel> levels = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (LevelRequest level : requested) {
            if (level == null) {
                throw AsterismException.invalid("levels", "a level is null: give objects with a name");
            }
            String name = Validate.name("levels", level.name());
            if (!names.add(name)) {
                throw AsterismException.invalid("levels", "'" + name + "' is named twice");
            }
            levels.add(new SecurityLevel(name, levels.size(), Validate.text("description", level.description(), 1024)));
        }
        Instant now = now();
        List<Person> left = new ArrayList<>();
        store.run(transaction -> {
            left.clear();
            for (SecurityLevel old : transaction.projects().levels()) {
                if (!names.contains(old.name())) {
                    List<String> uses = transaction.projects().levelUses(old.name());
                    if (!uses.isEmpty()) {
                        throw new AsterismException(ErrorCode.CONFLICT, "level '" + old.name() + "' is in use ("
                                + String.join(", ", uses.subList(0, Math.min(5, uses.size())))
                                + (uses.size() > 5 ? ", and " + (uses.size() - 5) + " more" : "")
                                + "): move them to another level first", Map.of("level", old.name()));
                    }
                }
            }
            transaction.projects().replaceLevels(levels);
            for (Project project : transaction.projects().list()) {
                for (ProjectMember member : transaction.projects().members(project.name())) {
                    if (!cleared(transaction, member.username(), project)) {
                        throw new AsterismException(ErrorCode.CONFLICT, "in this order " + member.username()
                                + ", cleared for '" + clearance(transaction, member.username()) + "', would be below"
                                + " project " + project.name() + " at '" + project.level() + "': change the"
                                + " clearance or the membership first", Map.of("user", member.username()));
                    }
                }
            }
            transaction.audit().append(caller.username(), "levels.set", "levels",
                    Map.of("levels", String.join(" < ", levels.stream().map(SecurityLevel::name).toList())), now);
            for (Project project : transaction.projects().list()) {
                left.addAll(ConstellationPeople.removeWhoLeft(transaction, project.name(), null, caller.username(),
                        now));
            }
        });
        leavers.accept(left);
        return levels;
    }

    /** The level the user is cleared for: the lowest when none was given. */
    public static String clearance(Transaction transaction, String username) {
        return transaction.projects().clearance(username).orElseGet(() -> lowest(transaction).name());
    }

    public String clearance(User caller, String username) {
        return store.call(transaction -> {
            if (!caller.role().isAdmin() && !caller.username().equals(username)) {
                throw AsterismException.notFound("user", username);
            }
            transaction.users().find(username).orElseThrow(() -> AsterismException.notFound("user", username));
            return clearance(transaction, username);
        });
    }

    /** The clearances of users the caller was already allowed to see, by user name, read in one transaction. */
    public Map<String, String> clearancesOf(List<String> usernames) {
        return store.call(transaction -> {
            String lowest = lowest(transaction).name();
            Map<String, String> clearances = new LinkedHashMap<>();
            usernames.forEach(name -> clearances.put(name, transaction.projects().clearance(name).orElse(lowest)));
            return clearances;
        });
    }

    /** The approvals of bricks the caller was already allowed to see, by brick, read in one transaction. */
    public Map<String, String> brickLevelsOf(List<String> bricks) {
        return store.call(transaction -> {
            String lowest = lowest(transaction).name();
            Map<String, String> approvals = new LinkedHashMap<>();
            bricks.forEach(name -> approvals.put(name, transaction.projects().brickLevel(name).orElse(lowest)));
            return approvals;
        });
    }

    /** Whether the caller may manage the project: an admin, or one of its managers (named or through a team). */
    public boolean manages(User caller, String project) {
        return caller.role().isAdmin() || store.call(transaction -> isManager(transaction, caller.username(), project));
    }

    public String setClearance(User caller, String username, String level) {
        Authorization.requireAdmin(caller, "clear users for security levels");
        Validate.present("level", level);
        Instant now = now();
        List<Person> left = new ArrayList<>();
        store.run(transaction -> {
            left.clear();
            User user = transaction.users().find(username)
                    .orElseThrow(() -> AsterismException.notFound("user", username));
            requireLevel(transaction, level);
            for (ProjectMember membership : transaction.projects().memberships(username)) {
                Project project = transaction.projects().find(membership.project()).orElseThrow();
                if (!atOrAbove(transaction, level, project.level())) {
                    throw new AsterismException(ErrorCode.CONFLICT, username + " is a member of project "
                            + project.name() + " at '" + project.level() + "': take them out of it first",
                            Map.of("user", username, "project", project.name()));
                }
            }
            transaction.projects().putClearance(user.id(), level);
            transaction.audit().append(caller.username(), "user.clearance-set", "user:" + username,
                    Map.of("level", level), now);
            // Through a team or an open project they take part only while cleared.
            for (Project project : transaction.projects().list()) {
                left.addAll(ConstellationPeople.removeWhoLeft(transaction, project.name(), username,
                        caller.username(), now));
            }
        });
        leavers.accept(left);
        return level;
    }

    /** The highest level the brick is approved for: the lowest when none was given. */
    public static String brickLevel(Transaction transaction, String brick) {
        return transaction.projects().brickLevel(brick).orElseGet(() -> lowest(transaction).name());
    }

    public String setBrickLevel(User caller, String brick, String level) {
        Authorization.requireAdmin(caller, "approve bricks for security levels");
        Validate.present("level", level);
        Instant now = now();
        store.run(transaction -> {
            transaction.catalog().brick(brick).orElseThrow(() -> AsterismException.notFound("brick", brick));
            requireLevel(transaction, level);
            transaction.projects().putBrickLevel(brick, level);
            transaction.audit().append(caller.username(), "brick.level-set", "brick:" + brick, Map.of("level", level),
                    now);
        });
        return level;
    }

    /** Admins see every project; anyone else those they take part in. */
    public List<Project> list(User caller) {
        return store.call(transaction -> transaction.projects().list().stream()
                .filter(project -> caller.role().isAdmin() || takesPart(transaction, caller.username(), project))
                .toList());
    }

    public View show(User caller, String name) {
        return store.call(transaction -> {
            Project project = visible(transaction, caller, name);
            return new View(project, transaction.projects().members(name), transaction.projects().teams(name),
                    usage(transaction, name));
        });
    }

    public Project create(User caller, String name, String description, String level, Boolean open, Quota quota) {
        Authorization.requireAdmin(caller, "create projects");
        Validate.name("name", name);
        Validate.present("level", level);
        Project project = new Project(name, Validate.text("description", description, 1024), level,
                open != null && open, validQuota(quota), now());
        store.run(transaction -> {
            requireLevel(transaction, level);
            transaction.projects().insert(project);
            transaction.audit().append(caller.username(), "project.created", "project:" + name,
                    quotaDetails(project.quota(), Map.of("level", level, "open", "" + project.open())), now());
        });
        return project;
    }

    /** A new quota; lowering it below what the project holds stops new work, and takes nothing away. */
    public Project setQuota(User caller, String name, Quota quota) {
        Authorization.requireAdmin(caller, "set quotas");
        Quota valid = validQuota(quota);
        return store.call(transaction -> {
            Project project = transaction.projects().lock(name)
                    .orElseThrow(() -> AsterismException.notFound("project", name));
            transaction.projects().updateQuota(name, valid);
            transaction.audit().append(caller.username(), "project.quota-set", "project:" + name,
                    quotaDetails(valid, Map.of()), now());
            return project.withQuota(valid);
        });
    }

    public void delete(User caller, String name) {
        Authorization.requireAdmin(caller, "delete projects");
        store.run(transaction -> {
            transaction.projects().lock(name).orElseThrow(() -> AsterismException.notFound("project", name));
            if (name.equals(Project.DEFAULT)) {
                throw new AsterismException(ErrorCode.CONFLICT, "project '" + Project.DEFAULT + "' takes what names"
                        + " no project: it cannot be deleted");
            }
            Usage usage = usage(transaction, name);
            if (usage.constellations() > 0 || usage.vms() > 0) {
                throw new AsterismException(ErrorCode.CONFLICT, "project '" + name + "' holds "
                        + usage.constellations() + " constellations and " + usage.vms() + " VMs: destroy them first",
                        Map.of("constellations", usage.constellations(), "vms", usage.vms()));
            }
            transaction.projects().delete(name);
            transaction.audit().append(caller.username(), "project.deleted", "project:" + name, Map.of(), now());
        });
    }

    /**
     * Names a user as a member, or changes their role. Admins and the project's managers may; the user must be cleared
     * for the project's level.
     */
    public ProjectMember putMember(User caller, String projectName, String username, String role) {
        ProjectRole parsed = WireNames.parse("role", Validate.present("role", role), ProjectRole.class);
        return store.call(transaction -> {
            Project project = requireManager(transaction, caller, projectName, "add members");
            User user = transaction.users().find(username)
                    .orElseThrow(() -> AsterismException.notFound("user", username));
            String cleared = clearance(transaction, username);
            if (!atOrAbove(transaction, cleared, project.level())) {
                throw new AsterismException(ErrorCode.CONFLICT, username + " is cleared for '" + cleared + "' and"
                        + " project " + projectName + " is at '" + project.level() + "': an admin must clear them for"
                        + " it first", Map.of("user", username, "clearance", cleared, "level", project.level()));
            }
            ProjectMember member = new ProjectMember(projectName, username, parsed);
            transaction.projects().putMember(user.id(), member);
            transaction.audit().append(caller.username(), "project.member-set", "project:" + projectName,
                    Map.of("user", username, "role", WireNames.of(parsed)), now());
            return member;
        });
    }

    /**
     * Takes a member out; if they no longer take part (no team, not an open project), they leave the people of the
     * project's constellations.
     *
     * @return the people who left, for their tunnels to be closed
     */
    public List<Person> removeMember(User caller, String projectName, String username) {
        return told(store.call(transaction -> {
            requireManager(transaction, caller, projectName, "remove members");
            if (!transaction.projects().deleteMember(projectName, username)) {
                throw new AsterismException(ErrorCode.NOT_FOUND, "'" + username + "' is no member of project "
                        + projectName, Map.of("user", username));
            }
            transaction.audit().append(caller.username(), "project.member-removed", "project:" + projectName,
                    Map.of("user", username), now());
            return ConstellationPeople.removeWhoLeft(transaction, projectName, username, caller.username(), now());
        }));
    }

    /**
     * VM-hours and vCPU-hours per user of the project's VMs between {@code since} and {@code until}, from the VMs'
     * state changes in the audit chain: a VM counts from each change to RUNNING until its next change. Admins and
     * the project's managers see every user; a researcher sees their own.
     */
    public List<UsageRecord> usageRecords(User caller, String name, Instant since, Instant until) {
        if (since == null || until == null || !since.isBefore(until)) {
            throw AsterismException.invalid("since", "must be before the end of the period");
        }
        return store.call(transaction -> {
            visible(transaction, caller, name);
            boolean all = caller.role().isAdmin() || isManager(transaction, caller.username(), name);
            Map<String, double[]> perUser = new java.util.TreeMap<>();
            for (Vm vm : transaction.vms().inProjectSince(name, since)) {
                if (!all && !vm.owner().equals(caller.username())) {
                    continue;
                }
                double seconds = runningSeconds(transaction, vm, since, until);
                if (seconds <= 0) {
                    continue;
                }
                double[] sums = perUser.computeIfAbsent(vm.owner(), owner -> new double[3]);
                sums[0]++;
                sums[1] += seconds / 3600;
                sums[2] += seconds / 3600 * vm.vcpus();
            }
            List<UsageRecord> records = new ArrayList<>();
            perUser.forEach((owner, sums) -> records.add(new UsageRecord(name, owner, (int) sums[0],
                    round(sums[1]), round(sums[2]))));
            return records;
        });
    }

    private static double round(double hours) {
        return Math.round(hours * 1_000_000) / 1_000_000.0;
    }

    /** Seconds the VM spent RUNNING inside the period, from its audited state changes. */
    private static double runningSeconds(Transaction transaction, Vm vm, Instant since, Instant until) {
        double seconds = 0;
        Instant runningSince = null;
        long after = 0;
        while (true) {
            List<dev.asterism.core.audit.AuditEvent> events = transaction.audit().forTarget("vm:" + vm.name(), after,
                    500);
            for (dev.asterism.core.audit.AuditEvent event : events) {
                after = event.seq();
                String state = event.details().get("state");
                if (!vm.id().equals(event.details().get("id")) || state == null || event.time().isAfter(until)) {
                    continue;
                }
                if (state.equals("RUNNING") && runningSince == null) {
                    runningSince = event.time();
                } else if (!state.equals("RUNNING") && runningSince != null) {
                    seconds += overlap(runningSince, event.time(), since, until);
                    runningSince = null;
                }
            }
            if (events.size() < 500) {
                break;
            }
        }
        if (runningSince != null) {
            seconds += overlap(runningSince, until, since, until);
        }
        return seconds;
    }

    private static double overlap(Instant from, Instant to, Instant since, Instant until) {
        Instant start = from.isBefore(since) ? since : from;
        Instant end = to.isAfter(until) ? until : to;
        return end.isAfter(start) ? java.time.Duration.between(start, end).toMillis() / 1000.0 : 0;
    }

    /**
     * Whether the user takes part: named as a member, or in one of its teams, or the project is open; through a team
     * or the open door only while cleared for its level.
     */
    public static boolean takesPart(Transaction transaction, String username, Project project) {
        if (transaction.projects().member(project.name(), username).isPresent()) {
            return true;
        }
        boolean viaTeam = !transaction.projects().teamRoles(project.name(), username).isEmpty();
        return (project.open() || viaTeam) && cleared(transaction, username, project);
    }

    /** A manager: named as one, or in a team that is one (while cleared for the project's level). */
    public static boolean isManager(Transaction transaction, String username, String project) {
        if (transaction.projects().member(project, username).filter(m -> m.role() == ProjectRole.MANAGER)
                .isPresent()) {
            return true;
        }
        return transaction.projects().teamRoles(project, username).contains(ProjectRole.MANAGER)
                && transaction.projects().find(project).filter(p -> cleared(transaction, username, p)).isPresent();
    }

    private static boolean cleared(Transaction transaction, String username, Project project) {
        List<SecurityLevel> levels = transaction.projects().levels();
        String clearance = transaction.projects().clearance(username).orElse(levels.getFirst().name());
        return rank(levels, clearance) >= rank(levels, project.level());
    }

    /**
     * Puts a team in a project, or changes its role. Admins and the project's managers may; every member of the team
     * must be cleared for the project's level.
     */
    public ProjectTeam putTeam(User caller, String projectName, String team, String role) {
        ProjectRole parsed = WireNames.parse("role", Validate.present("role", role), ProjectRole.class);
        return store.call(transaction -> {
            Project project = requireManager(transaction, caller, projectName, "add teams");
            transaction.teams().find(team).orElseThrow(() -> AsterismException.notFound("team", team));
            List<String> uncleared = transaction.teams().members(team).stream()
                    .filter(member -> !cleared(transaction, member, project)).toList();
            if (!uncleared.isEmpty()) {
                throw new AsterismException(ErrorCode.CONFLICT, "team " + team + " has members not cleared for '"
                        + project.level() + "', the level of project " + projectName + ": "
                        + String.join(", ", uncleared) + "; an admin must clear them first",
                        Map.of("team", team, "users", uncleared));
            }
            ProjectTeam member = new ProjectTeam(projectName, team, parsed);
            transaction.projects().putTeam(member);
            transaction.audit().append(caller.username(), "project.team-set", "project:" + projectName,
                    Map.of("team", team, "role", WireNames.of(parsed)), now());
            return member;
        });
    }

    /** @return the people who no longer take part and so left the project's constellations */
    public List<Person> removeTeam(User caller, String projectName, String team) {
        return told(store.call(transaction -> {
            requireManager(transaction, caller, projectName, "remove teams");
            if (!transaction.projects().deleteTeam(projectName, team)) {
                throw new AsterismException(ErrorCode.NOT_FOUND, "team '" + team + "' is not in project "
                        + projectName, Map.of("team", team));
            }
            transaction.audit().append(caller.username(), "project.team-removed", "project:" + projectName,
                    Map.of("team", team), now());
            return ConstellationPeople.removeWhoLeft(transaction, projectName, null, caller.username(), now());
        }));
    }

    /** Refuses a user who would join, through {@code team}, a project above their clearance. */
    public static void requireClearedForProjectsOf(Transaction transaction, String team, String username) {
        for (ProjectTeam place : transaction.projects().projectsOfTeam(team)) {
            Project project = transaction.projects().find(place.project()).orElseThrow();
            if (!cleared(transaction, username, project)) {
                throw new AsterismException(ErrorCode.CONFLICT, username + " is cleared for '"
                        + clearance(transaction, username) + "' and team " + team + " is in project "
                        + project.name() + " at '" + project.level() + "': an admin must clear them for it first",
                        Map.of("user", username, "project", project.name()));
            }
        }
    }

    /**
     * The project that work is asked for in, locked for the rest of the transaction; NOT_FOUND when the caller may not
     * see it, FORBIDDEN when they see it but take no part.
     */
    public static Project lockForWork(Transaction transaction, User caller, String name) {
        String projectName = name == null ? Project.DEFAULT : name;
        Project project = transaction.projects().lock(projectName)
                .orElseThrow(() -> AsterismException.notFound("project", projectName));
        if (!takesPart(transaction, caller.username(), project)) {
            if (!caller.role().isAdmin()) {
                throw AsterismException.notFound("project", projectName);
            }
            throw AsterismException.forbidden("you take no part in project " + projectName
                    + ": its managers or an admin may add you");
        }
        return project;
    }

    /** Refuses a brick that is not approved for the project's level. */
    public static void requireBrickAt(Transaction transaction, Brick brick, Project project) {
        String approved = brickLevel(transaction, brick.name());
        if (!atOrAbove(transaction, approved, project.level())) {
            throw new AsterismException(ErrorCode.CONFLICT, "brick " + brick.name() + " is approved up to '" + approved
                    + "' and project " + project.name() + " is at '" + project.level() + "': pick a brick approved"
                    + " for it, or ask an admin to approve this one", Map.of("brick", brick.name(), "level",
                    project.level(), "brickLevel", approved));
        }
    }

    /**
     * Refuses the request when the project's holdings and {@code asked} together would pass its quota.
     *
     * @param what who asks, with its verb: "VM v1 needs", "2 members of brick worker need"
     */
    public static void requireRoom(Transaction transaction, Project project, Usage asked, String what) {
        Quota quota = project.quota();
        Usage used = usage(transaction, project.name());
        List<String> over = new ArrayList<>();
        check(over, quota.constellations(), used.constellations(), asked.constellations(), "constellations", what);
        check(over, quota.vms(), used.vms(), asked.vms(), "VMs", what);
        check(over, quota.vcpus(), used.vcpus(), asked.vcpus(), "vCPUs", what);
        checkGib(over, quota.memoryGib(), used.memoryMib(), asked.memoryMib(), "GiB of memory", what);
        check(over, quota.diskGib(), used.diskGib(), asked.diskGib(), "GiB of disk", what);
        if (!over.isEmpty()) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("project", project.name());
            details.put("usedVcpus", used.vcpus());
            details.put("askedVcpus", asked.vcpus());
            details.put("usedVms", used.vms());
            details.put("askedVms", asked.vms());
            throw new AsterismException(ErrorCode.CONFLICT, "project " + project.name() + " " + String.join("; ", over)
                    + ": remove some of its VMs or ask an admin for a larger quota", details);
        }
    }

    private static void check(List<String> over, Integer limit, long used, long asked, String unit, String what) {
        if (limit != null && asked > 0 && used + asked > limit) {
            over.add("uses " + used + " of " + limit + " " + unit + "; " + what + " " + asked);
        }
    }

    private static void checkGib(List<String> over, Integer limitGib, long usedMib, long askedMib, String unit,
            String what) {
        if (limitGib != null && askedMib > 0 && usedMib + askedMib > limitGib * 1024L) {
            over.add("uses " + gib(usedMib) + " of " + limitGib + " " + unit + "; " + what + " " + gib(askedMib));
        }
    }

    private static String gib(long mib) {
        return mib % 1024 == 0 ? Long.toString(mib / 1024) : String.format(java.util.Locale.ROOT, "%.1f", mib / 1024.0);
    }

    /**
     * What a project holds: its live VMs (plain, controlling and members'), its live constellations, and the members
     * whose VM is not requested yet, at their profile's size. A member counts until it is removed.
     */
    public static Usage usage(Transaction transaction, String project) {
        Usage used = Usage.NOTHING;
        Set<String> vms = new HashSet<>();
        for (Vm vm : transaction.vms().inProject(project)) {
            used = used.plus(Usage.ofVms(1, vm.vcpus(), vm.memoryMib(), vm.diskGib()));
            vms.add(vm.name());
        }
        List<Constellation> constellations = transaction.constellations().inProject(project);
        used = used.plus(new Usage(constellations.size(), 0, 0, 0, 0));
        Map<String, Usage> perMember = new java.util.HashMap<>();
        for (Constellation constellation : constellations) {
            for (Member member : transaction.constellations().members(constellation.name(), false)) {
                String vmName = member.vmName() != null ? member.vmName()
                        : dev.asterism.core.constellation.ConstellationService.memberVmName(constellation.name(),
                                member.name());
                if (!vms.contains(vmName)) {
                    used = used.plus(perMember.computeIfAbsent(member.brick() + "/" + member.profile(),
                            key -> hardware(transaction, member.brick(), member.profile(), 1)));
                }
            }
        }
        return used;
    }

    /** {@code count} VMs of a brick at its profile, or at {@code profile} when one is given. */
    public static Usage hardware(Transaction transaction, String brick, String profile, int count) {
        String profileName = profile != null ? profile
                : transaction.catalog().brick(brick).map(Brick::profile).orElse(null);
        HardwareProfile hardware = profileName == null ? null : transaction.catalog().profile(profileName).orElse(null);
        return hardware == null ? Usage.ofVms(count, 0, 0, 0)
                : Usage.ofVms(count, hardware.vcpus(), hardware.memoryMib(), hardware.diskGib());
    }

    private static Project visible(Transaction transaction, User caller, String name) {
        Project project = transaction.projects().find(name)
                .orElseThrow(() -> AsterismException.notFound("project", name));
        if (!caller.role().isAdmin() && !takesPart(transaction, caller.username(), project)) {
            throw AsterismException.notFound("project", name);
        }
        return project;
    }

    private static Project requireManager(Transaction transaction, User caller, String name, String what) {
        Project project = visible(transaction, caller, name);
        if (!caller.role().isAdmin() && !isManager(transaction, caller.username(), name)) {
            throw AsterismException.forbidden("only an admin or a manager of project " + name + " may " + what);
        }
        return project;
    }

    private static SecurityLevel lowest(Transaction transaction) {
        return transaction.projects().levels().getFirst();
    }

    /** Whether {@code level} is {@code floor} or above it, with the levels read once. */
    private static boolean atOrAbove(Transaction transaction, String level, String floor) {
        List<SecurityLevel> levels = transaction.projects().levels();
        return rank(levels, level) >= rank(levels, floor);
    }

    private static int rank(List<SecurityLevel> levels, String level) {
        return levels.stream().filter(l -> l.name().equals(level)).findFirst().map(SecurityLevel::rank).orElse(-1);
    }

    private static void requireLevel(Transaction transaction, String level) {
        List<SecurityLevel> levels = transaction.projects().levels();
        if (levels.stream().noneMatch(l -> l.name().equals(level))) {
            throw AsterismException.invalid("level", "no level named '" + level + "': the levels are "
                    + String.join(" < ", levels.stream().map(SecurityLevel::name).toList()));
        }
    }

    private static Quota validQuota(Quota quota) {
        if (quota == null) {
            return Quota.NONE;
        }
        return new Quota(limit("quota.constellations", quota.constellations()), limit("quota.vms", quota.vms()),
                limit("quota.vcpus", quota.vcpus()), limit("quota.memoryGib", quota.memoryGib()),
                limit("quota.diskGib", quota.diskGib()));
    }

    private static Integer limit(String field, Integer value) {
        return value == null ? null : Validate.range(field, value, 0, MAX_QUOTA);
    }

    private static Map<String, String> quotaDetails(Quota quota, Map<String, String> more) {
        Map<String, String> details = new LinkedHashMap<>(more);
        details.put("constellations", String.valueOf(quota.constellations()));
        details.put("vms", String.valueOf(quota.vms()));
        details.put("vcpus", String.valueOf(quota.vcpus()));
        details.put("memoryGib", String.valueOf(quota.memoryGib()));
        details.put("diskGib", String.valueOf(quota.diskGib()));
        return details;
    }

    /** Tells the leavers, once the change is stored. */
    public List<Person> told(List<Person> left) {
        leavers.accept(left);
        return left;
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
