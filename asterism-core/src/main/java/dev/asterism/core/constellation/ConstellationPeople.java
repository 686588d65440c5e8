package dev.asterism.core.constellation;

import static java.util.Objects.requireNonNull;

import dev.asterism.core.constellation.AgentCommands.AgentUnavailableException;
import dev.asterism.core.error.AsterismException;
import dev.asterism.core.error.ErrorCode;
import dev.asterism.core.project.Project;
import dev.asterism.core.project.ProjectService;
import dev.asterism.core.store.Store;
import dev.asterism.core.store.Transaction;
import dev.asterism.core.user.User;
import dev.asterism.protocol.CommandKind;
import dev.asterism.protocol.CommandResult;
import dev.asterism.protocol.ControllerCommand;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The people of constellations: who works in one, with a domain account of their own name in its domain. The owner
 * adds and removes them; each sets their own desktop password, which goes to the controller over the agent channel
 * and is kept nowhere on the way. Accounts are made and taken away by the {@link ConstellationReconciler}, so a crash
 * between a request and its effect loses nothing.
 */
public final class ConstellationPeople {
    /** Domain account names: what Samba and Windows take for a user (sAMAccountName), and no more. */
    private static final Pattern ACCOUNT_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,19}");
    private static final Set<String> RESERVED = Set.of("administrator", "guest", "krbtgt", "root");
    private static final int MAX_PEOPLE_PER_REQUEST = 100;
    private static final int MAX_PASSWORD = 128;
    /** What Samba's default rules ask of a password, said to a person whose password the domain refused. */
    private static final String PASSWORD_RULE = "a desktop password has at least 7 characters from three of: upper"
            + " case, lower case, digits, other characters, and does not contain your user name";

    private final Store store;
    private final AgentCommands agents;
    private final Clock clock;
    private final Runnable wakeReconciler;

    public ConstellationPeople(Store store, AgentCommands agents, Clock clock, Runnable wakeReconciler) {
        this.store = requireNonNull(store, "store is null");
        this.agents = requireNonNull(agents, "agents is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.wakeReconciler = requireNonNull(wakeReconciler, "wakeReconciler is null");
    }

    /** The people of a constellation, for anyone who may see it. */
    public List<Person> list(User caller, String constellationName) {
        return store.call(transaction -> {
            ConstellationService.visible(transaction, caller, constellationName);
            return transaction.constellations().people(constellationName);
        });
    }

    /**
     * Adds existing Asterism users as people. Only the owner or a manager of its project may; each must take part in
     * the project.
     *
     * @throws AsterismException NOT_FOUND for an unknown user; ALREADY_EXISTS for a person added before;
     *     VALIDATION_FAILED for a name the domain cannot take; CONFLICT unless the constellation is ACTIVE
     */
    public List<Person> add(User caller, String constellationName, List<String> usernames) {
        if (usernames == null || usernames.isEmpty()) {
            throw AsterismException.invalid("usernames", "give at least one user name");
        }
        if (usernames.size() > MAX_PEOPLE_PER_REQUEST) {
            throw AsterismException.invalid("usernames", "at most " + MAX_PEOPLE_PER_REQUEST + " people at once");
        }
        Set<String> names = new LinkedHashSet<>();
        for (String username : usernames) {
            requireAccountName(username);
            if (!names.add(username)) {
                throw AsterismException.invalid("usernames", "'" + username + "' is named twice");
            }
        }
        Instant now = now();
        List<Person> added = store.call(transaction -> {
            Constellation constellation = requireOwner(transaction, caller, constellationName, "add people");
            if (constellation.state() != ConstellationState.ACTIVE) {
                throw new AsterismException(ErrorCode.CONFLICT, "constellation '" + constellationName + "' is "
                        + constellation.state() + ": people can be added once it is ACTIVE");
            }
            List<Person> people = new ArrayList<>();
            for (String username : names) {
                transaction.users().find(username).orElseThrow(() -> new AsterismException(ErrorCode.NOT_FOUND,
                        "no user named '" + username + "': people of a constellation are Asterism users; create"
                                + " the user first", Map.of("user", username)));
                Project project = transaction.projects().find(constellation.project()).orElseThrow();
                if (!ProjectService.takesPart(transaction, username, project)) {
                    throw new AsterismException(ErrorCode.CONFLICT, "'" + username + "' takes no part in project "
                            + project.name() + ", which " + constellationName + " belongs to: a manager of the"
                            + " project or an admin must add them to it first", Map.of("user", username));
                }
                if (transaction.constellations().person(constellationName, username).isPresent()) {
                    throw new AsterismException(ErrorCode.ALREADY_EXISTS, "'" + username + "' is one of the people of "
                            + constellationName + " already", Map.of("user", username));
                }
                people.add(insert(transaction, constellationName, username, caller.username(), now));
            }
            return people;
        });
        wakeReconciler.run();
        return added;
    }

    /** The owner, as the first person of a new constellation; the account is made once the domain exists. */
    static void addOwner(Transaction transaction, String constellationName, String owner, Instant now) {
        insert(transaction, constellationName, owner, owner, now);
    }

    private static Person insert(Transaction transaction, String constellationName, String username, String actor,
            Instant now) {
        Person person = new Person(UUID.randomUUID().toString(), constellationName, username, PersonState.ADDING,
                "making the domain account", false, now, now, 0);
        transaction.constellations().insertPerson(person);
        transaction.constellations().markDue(constellationName, now);
        transaction.audit().append(actor, "person.added", "constellation:" + constellationName,
                Map.of("user", username), now);
        return person;
    }

    /**
     * Takes a person out: from now on they open no tunnel; the reconciler ends their sessions on every member and
     * deletes their account. Only the owner or a manager of its project may; the owner stays.
     */
    public Person remove(User caller, String constellationName, String username) {
        Instant now = now();
        Person removed = store.call(transaction -> {
            Constellation constellation = requireOwner(transaction, caller, constellationName, "remove people");
            if (constellation.owner().equals(username)) {
                throw new AsterismException(ErrorCode.CONFLICT, "'" + username + "' owns " + constellationName
                        + " and stays one of its people");
            }
            Person person = transaction.constellations().person(constellationName, username)
                    .orElseThrow(() -> new AsterismException(ErrorCode.NOT_FOUND, "'" + username + "' is not one of"
                            + " the people of " + constellationName, Map.of("user", username)));
            return leave(transaction, person, caller.username(), "removed by the owner", now).orElse(person);
        });
        wakeReconciler.run();
        return removed;
    }

    /** A user deleted from Asterism leaves every constellation, in the deleting transaction. */
    public static void removeEverywhere(Transaction transaction, String username, String actor, Instant now) {
        for (Person person : transaction.constellations().peopleNamed(username)) {
            leave(transaction, person, actor, "the user was deleted", now);
        }
    }

    /**
     * The people of the project's constellations who no longer take part in it (all of them, or only {@code username}
     * when it is not null) leave those constellations, in the caller's transaction; the owners stay.
     *
     * @return who left where
     */
    public static List<Person> removeWhoLeft(Transaction transaction, String project, String username, String actor,
            Instant now) {
        Project found = transaction.projects().find(project).orElse(null);
        List<Person> left = new ArrayList<>();
        if (found == null) {
            return left;
        }
        for (Constellation constellation : transaction.constellations().inProject(project)) {
            for (Person person : transaction.constellations().people(constellation.name())) {
                if ((username == null || person.username().equals(username))
                        && !person.username().equals(constellation.owner()) && person.state() != PersonState.REMOVING
                        && !ProjectService.takesPart(transaction, person.username(), found)) {
                    leave(transaction, person, actor, "no longer takes part in project " + project, now)
                            .ifPresent(left::add);
                }
            }
        }
        return left;
    }

    private static Optional<Person> leave(Transaction transaction, Person person, String actor, String why,
            Instant now) {
        if (person.state() == PersonState.REMOVING) {
            return Optional.of(person);
        }
        Optional<Person> written = transaction.constellations().updatePerson(
                person.moveTo(PersonState.REMOVING, why + "; ending sessions and removing the account", now));
        written.ifPresent(ignored -> {
            transaction.constellations().markDue(person.constellation(), now);
            transaction.audit().append(actor, "person.removal-requested", "constellation:" + person.constellation(),
                    Map.of("user", person.username()), now);
        });
        return written;
    }

    /**
     * Sets the caller's own desktop password in the constellation's domain. The password goes to the controller's
     * agent in one command and is neither stored, logged nor audited.
     *
     * @throws AsterismException VALIDATION_FAILED when the domain refuses the password (with its rule); CONFLICT
     *     while the account is being made or removed; FORBIDDEN for a caller who is not one of the people;
     *     AGENT_UNAVAILABLE when the controller cannot be reached
     */
    public void setPassword(User caller, String constellationName, String password) {
        if (password == null || password.isEmpty()) {
            throw AsterismException.invalid("password", "give the password to set");
        }
        if (password.length() > MAX_PASSWORD || password.chars().anyMatch(Character::isISOControl)) {
            throw AsterismException.invalid("password", "at most " + MAX_PASSWORD
                    + " characters, none of them a control character");
        }
        record Target(Person person, String controllerVmId) {}
        Target target = store.call(transaction -> {
            Constellation constellation = ConstellationService.visible(transaction, caller, constellationName);
            Person person = transaction.constellations().person(constellationName, caller.username())
                    .orElseThrow(() -> AsterismException.forbidden("you are not one of the people of "
                            + constellationName + ": only they have desktop passwords there; ask its owner, "
                            + constellation.owner() + ", to add you"));
            if (person.state() != PersonState.ACTIVE) {
                throw new AsterismException(ErrorCode.CONFLICT, "your account in " + constellation.domain() + " is "
                        + (person.state() == PersonState.ADDING ? "being made: try again in a moment" : "being removed"));
            }
            String vmId = transaction.vms().find(constellation.controllerVm()).map(vm -> vm.id())
                    .orElseThrow(() -> new AsterismException(ErrorCode.CONFLICT, "the controlling VM is gone"));
            return new Target(person, vmId);
        });
        CommandResult result;
        try {
            result = agents.execute(target.controllerVmId(), new ControllerCommand("password/" + UUID.randomUUID(),
                    CommandKind.SET_DOMAIN_USER_PASSWORD, Map.of("userName", caller.username(), "password",
                            password)));
        } catch (AgentUnavailableException e) {
            throw new AsterismException(ErrorCode.AGENT_UNAVAILABLE, "the controller of " + constellationName
                    + " cannot be reached now (" + e.getMessage() + "); try again in a moment");
        }
        if (!result.ok()) {
            if ("INVALID".equals(result.results().get("code"))) {
                throw new AsterismException(ErrorCode.VALIDATION_FAILED, "the domain refuses this password: "
                        + PASSWORD_RULE + " (" + result.message() + ")", Map.of("field", "password"));
            }
            throw new AsterismException(ErrorCode.AGENT_UNAVAILABLE, "the controller could not set the password: "
                    + result.message() + "; try again");
        }
        Instant now = now();
        store.run(transaction -> {
            transaction.constellations().person(constellationName, caller.username())
                    .flatMap(person -> transaction.constellations().updatePerson(person.withPasswordSet(now)));
            transaction.audit().append(caller.username(), "person.password-set", "constellation:" + constellationName,
                    Map.of("user", caller.username()), now);
        });
    }

    private static Constellation requireOwner(Transaction transaction, User caller, String name, String what) {
        Constellation constellation = ConstellationService.visible(transaction, caller, name);
        if (!constellation.owner().equals(caller.username())
                && !ProjectService.isManager(transaction, caller.username(), constellation.project())) {
            throw AsterismException.forbidden("only the owner of " + name + ", " + constellation.owner()
                    + ", or a manager of its project " + constellation.project() + " may " + what);
        }
        return constellation;
    }

    /** Why a user name cannot be a domain account, or empty when it can. */
    static Optional<String> accountNameProblem(String username) {
        if (username == null || !ACCOUNT_NAME.matcher(username).matches()) {
            return Optional.of("'" + username + "' cannot be a domain account: 1 to 20 lower-case letters, digits,"
                    + " dots, hyphens and underscores, starting with a letter or digit");
        }
        if (RESERVED.contains(username.toLowerCase(Locale.ROOT))) {
            return Optional.of("'" + username + "' is a name the domain keeps for itself");
        }
        return Optional.empty();
    }

    private static void requireAccountName(String username) {
        accountNameProblem(username).ifPresent(problem -> {
            throw AsterismException.invalid("usernames", problem);
        });
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
