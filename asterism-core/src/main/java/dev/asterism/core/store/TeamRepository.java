package dev.asterism.core.store;

import dev.asterism.core.team.Team;
import java.util.List;
import java.util.Optional;

/** Teams and who is in them. */
public interface TeamRepository {
    /** @throws dev.asterism.core.error.AsterismException ALREADY_EXISTS when a team has that name */
    void insert(Team team);

    Optional<Team> find(String name);

    List<Team> list();

    boolean delete(String name);

    /** Adds a user; adding one who is in already changes nothing. */
    void putMember(String team, long userId);

    boolean deleteMember(String team, String username);

    /** The members' user names, in order. */
    List<String> members(String team);

    /** The teams a user is in, in order. */
    List<String> teamsOf(String username);
}
