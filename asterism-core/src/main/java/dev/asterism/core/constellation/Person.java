package dev.asterism.core.constellation;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * An Asterism user who works in a constellation: they have a domain account of their own name in its domain, may
 * open tunnels and desktops to its members, and sign in there with the password they set. The owner is one.
 *
 * @param condition why the person waits or what last went wrong, for the user to read; null when all is well
 * @param passwordSet whether the person has set a desktop password (never the password itself)
 */
public record Person(
        String id,
        String constellation,
        String username,
        PersonState state,
        String condition,
        boolean passwordSet,
        Instant createdAt,
        Instant updatedAt,
        long version) {

    public Person {
        requireNonNull(id, "id is null");
        requireNonNull(constellation, "constellation is null");
        requireNonNull(username, "username is null");
        requireNonNull(state, "state is null");
        requireNonNull(createdAt, "createdAt is null");
        requireNonNull(updatedAt, "updatedAt is null");
    }

    /** Whether the person may reach the constellation's members now (tunnels, desktops). */
    public boolean mayConnect() {
        return state == PersonState.ADDING || state == PersonState.ACTIVE;
    }

    public Person moveTo(PersonState newState, String newCondition, Instant now) {
        return new Person(id, constellation, username, newState, newCondition, passwordSet, createdAt, now, version);
    }

    public Person withPasswordSet(Instant now) {
        return new Person(id, constellation, username, state, condition, true, createdAt, now, version);
    }

    public Person withVersion(long newVersion) {
        return new Person(id, constellation, username, state, condition, passwordSet, createdAt, updatedAt,
                newVersion);
    }
}
