package dev.asterism.core.store;

import dev.asterism.core.constellation.Constellation;
import dev.asterism.core.constellation.Member;
import dev.asterism.core.constellation.Person;
import dev.asterism.core.reconciliation.Claim;
import java.util.List;
import java.util.Optional;

/** Constellations and members. Updates are optimistic: they write only when the stored version still matches. */
public interface ConstellationRepository {
    /** @throws dev.asterism.core.error.AsterismException ALREADY_EXISTS when a live constellation has that name */
    void insert(String id, Constellation constellation);

    /** The live constellation of that name, else the newest destroyed one. */
    Optional<Constellation> find(String name);

    /** Live constellations of one owner, or of everyone when owner is null. */
    List<Constellation> list(String owner);

    /** Live constellations of one project, by name. */
    List<Constellation> inProject(String project);

    /** Gives every constellation of owner {@code from}, live or destroyed, the owner {@code to}; how many. */
    int renameOwner(String from, String to);

    /** Claims (see {@link Claim}) up to {@code limit} constellations whose check is due, oldest first. */
    List<Constellation> claimDue(Claim claim, int limit);

    Optional<Constellation> update(Constellation constellation);

    /** @throws dev.asterism.core.error.AsterismException ALREADY_EXISTS when the constellation has a live member of that name */
    void insertMember(Member member);

    /** Members not removed, by name; {@code includeRemoved} adds the removed ones. */
    List<Member> members(String constellation, boolean includeRemoved);

    Optional<Member> member(String constellation, String name);

    Optional<Member> memberById(String id);

    Optional<Member> memberByVm(String vmName);

    /** Claims (see {@link Claim}) up to {@code limit} members whose check is due, oldest first. */
    List<Member> claimDueMembers(Claim claim, int limit);

    Optional<Member> updateMember(Member member);

    /** Overlay addresses held by the constellation's members that are not removed. */
    List<String> overlayAddresses(String constellation);

    /**
     * Adds a person.
     *
     * @throws dev.asterism.core.error.AsterismException ALREADY_EXISTS when the user is a person of it already
     */
    void insertPerson(Person person);

    /** The people of a constellation who are not removed, by name. */
    List<Person> people(String constellation);

    Optional<Person> person(String constellation, String username);

    /** Every constellation a user is a person of (not removed). */
    List<Person> peopleNamed(String username);

    /** Writes the person if nobody wrote it since it was read; empty otherwise. */
    Optional<Person> updatePerson(Person person);

    /**
     * Makes a live constellation due for the reconciler at {@code at} at the latest, changing its version so that a
     * pass that read it before cannot write the wake-up away.
     */
    void markDue(String name, java.time.Instant at);
}
