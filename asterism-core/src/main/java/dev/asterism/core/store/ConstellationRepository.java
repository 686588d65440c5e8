package dev.asterism.core.store;

import dev.asterism.core.constellation.Constellation;
import dev.asterism.core.constellation.Member;
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
}
