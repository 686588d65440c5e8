package dev.asterism.core.store;

import dev.asterism.core.reconciliation.Claim;
import dev.asterism.core.vm.Vm;
import dev.asterism.core.vm.VmState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

public interface VmRepository {
    /** @throws dev.asterism.core.error.AsterismException ALREADY_EXISTS when a live VM has that name */
    void insert(Vm vm);

    /** The live (not destroyed) VM of that name, else the newest destroyed one. */
    Optional<Vm> find(String name);

    Optional<Vm> findById(String id);

    /** Live VMs, of one owner or (owner null) of everyone, by name. */
    List<Vm> list(String owner);

    /** Live VMs of one project, by name. */
    List<Vm> inProject(String project);

    /** Every VM of one project that was live at some time after {@code since}, destroyed ones too, by creation. */
    List<Vm> inProjectSince(String project, java.time.Instant since);

    /** Gives every VM of owner {@code from}, live or destroyed, the owner {@code to}; how many. */
    int renameOwner(String from, String to);

    /** Claims (see {@link Claim}) up to {@code limit} VMs whose check is due, oldest first. */
    List<Vm> claimDue(Claim claim, int limit);

    /** VMs that should exist in the realm (neither destroyed nor failed). */
    List<Vm> expectedInRealm(String realm);

    /**
     * Writes {@code vm} if the stored version is still {@code vm.version()}, bumping it.
     *
     * @return the written VM, or empty when someone else wrote first
     */
    Optional<Vm> update(Vm vm);

    Map<VmState, Long> countByState();

    /**
     * Records the keys the VM's agent registered with: its X25519 key, which join bundles are sealed to, and the
     * TLS key its client certificate certifies.
     */
    void putAgentKeys(String vmId, String publicKey, String tlsPublicKey);

    /** The TLS public key the VM's agent registered with. */
    Optional<String> agentTlsKey(String vmId);

    Optional<String> agentKey(String vmId);

    /** Realm VMs that the store does not know, with when they were first seen. */
    Map<String, Instant> orphans(String realm);

    void putOrphan(String realm, String vmId, Instant firstSeen);

    void deleteOrphan(String realm, String vmId);
}
