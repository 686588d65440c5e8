package dev.asterism.core.team;

import static java.util.Objects.requireNonNull;

import dev.asterism.core.constellation.ConstellationPeople;
import dev.asterism.core.constellation.Person;
import dev.asterism.core.error.AsterismException;
import dev.asterism.core.error.ErrorCode;
import dev.asterism.core.permission.Authorization;
import dev.asterism.core.project.ProjectService;
import dev.asterism.core.project.ProjectTeam;
import dev.asterism.core.store.Store;
import dev.asterism.core.user.User;
import dev.asterism.core.validation.Validate;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/** Teams: admins make them and say who is in them; a user sees the teams they are in. */
public final class TeamService {
    private final Store store;
    private final Clock clock;
    private final ProjectService projects;

    /** @param projects tells its leavers who left constellations when a team change took them out of a project */
    public TeamService(Store store, Clock clock, ProjectService projects) {
        this.store = requireNonNull(store, "store is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.projects = requireNonNull(projects, "projects is null");
    }

    /** A team and its members. */
    public record View(Team team, List<String> members) {}

    /** The teams the caller sees, each with its members, read in one transaction. */
    public List<View> views(User caller) {
        return store.call(transaction -> {
            List<String> mine = transaction.teams().teamsOf(caller.username());
            return transaction.teams().list().stream()
                    .filter(team -> caller.role().isAdmin() || mine.contains(team.name()))
                    .map(team -> new View(team, transaction.teams().members(team.name()))).toList();
        });
    }

    public List<Team> list(User caller) {
        return store.call(transaction -> {
            List<String> mine = transaction.teams().teamsOf(caller.username());
            return transaction.teams().list().stream()
                    .filter(team -> caller.role().isAdmin() || mine.contains(team.name())).toList();
        });
    }

        public View show(User caller, String name) {
        return store.call(transaction -> {
            Team team = transaction.teams().find(name).orElseThrow(() -> AsterismException.notFound("team", name));
            List<String> members = transaction.teams().members(name);
            if (!caller.role().isAdmin() && !members.contains(caller.username())) {
                throw AsterismException.notFound("team", name);
            }
            return new View(team, members);
        });
    }

    public Team create(User caller, String name, String description) {
        Authorization.requireAdmin(caller, "create teams");
        Team team = new Team(Validate.name("name", name), Validate.text("description", description, 1024), now());
        store.run(transaction -> {
            transaction.teams().insert(team);
            transaction.audit().append(caller.username(), "team.created", "team:" + name, Map.of(), now());
        });
        return team;
    }

    /**
     * Deletes a team: its grants and its places in projects go with it, and who took part only through it leaves
     * those projects' constellations.
     */
    public List<Person> delete(User caller, String name) {
        Authorization.requireAdmin(caller, "delete teams");
        return projects.told(store.call(transaction -> {
            List<ProjectTeam> places = transaction.projects().projectsOfTeam(name);
            if (!transaction.teams().delete(name)) {
                throw AsterismException.notFound("team", name);
            }
            transaction.audit().append(caller.username(), "team.deleted", "team:" + name, Map.of(), now());
            List<Person> left = new java.util.ArrayList<>();
            for (ProjectTeam place : places) {
                left.addAll(ConstellationPeople.removeWhoLeft(transaction, place.project(), null, caller.username(),
                        now()));
            }
            return left;
        }));
    }

    /** Adds a user; refused when the team is in a project above the user's clearance. */
    public void putMember(User caller, String name, String username) {
        Authorization.requireAdmin(caller, "change teams");
        store.run(transaction -> {
            transaction.teams().find(name).orElseThrow(() -> AsterismException.notFound("team", name));
            User user = transaction.users().find(username)
                    .orElseThrow(() -> AsterismException.notFound("user", username));
            ProjectService.requireClearedForProjectsOf(transaction, name, username);
            transaction.teams().putMember(name, user.id());
            transaction.audit().append(caller.username(), "team.member-added", "team:" + name,
                    Map.of("user", username), now());
        });
    }

    /** @return the people who, out of the team, no longer take part in its projects and so left their constellations */
    public List<Person> removeMember(User caller, String name, String username) {
        Authorization.requireAdmin(caller, "change teams");
        return projects.told(store.call(transaction -> {
            if (!transaction.teams().deleteMember(name, username)) {
                throw new AsterismException(ErrorCode.NOT_FOUND, "'" + username + "' is not in team " + name,
                        Map.of("user", username));
            }
            transaction.audit().append(caller.username(), "team.member-removed", "team:" + name,
                    Map.of("user", username), now());
            List<Person> left = new java.util.ArrayList<>();
            for (ProjectTeam place : transaction.projects().projectsOfTeam(name)) {
                left.addAll(ConstellationPeople.removeWhoLeft(transaction, place.project(), username,
                        caller.username(), now()));
            }
            return left;
        }));
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
