package dev.asterism.server.sim;

import static java.util.Objects.requireNonNull;

import dev.asterism.realm.sim.SimRealm;
import dev.asterism.spi.realm.Realm;
import dev.asterism.spi.realm.RealmCapability;
import dev.asterism.spi.realm.RealmVm;
import dev.asterism.spi.realm.RealmVmSpec;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** The sim realm with its VMs' agents: destroying a VM also ends its agent and its simulated guest. */
public final class SimAgentsRealm implements Realm {
    private final SimRealm realm;
    private final SimAgentHost agents;

    /** Also takes every guest whose VM the realm no longer holds off the network: leftovers of an earlier run. */
    public SimAgentsRealm(SimRealm realm, SimAgentHost agents) {
        this.realm = requireNonNull(realm, "realm is null");
        this.agents = requireNonNull(agents, "agents is null");
        agents.removeLeftovers(realm.list().stream().map(RealmVm::vmId).collect(Collectors.toSet()),
                realm.addresses());
    }

    @Override
    public String driver() {
        return realm.driver();
    }

    @Override
    public Set<RealmCapability> capabilities() {
        return realm.capabilities();
    }

    @Override
    public RealmVm create(RealmVmSpec spec) {
        return realm.create(spec);
    }

    @Override
    public Optional<RealmVm> inspect(String vmId) {
        return realm.inspect(vmId);
    }

    @Override
    public List<RealmVm> list() {
        return realm.list();
    }

    @Override
    public void stop(String vmId) {
        realm.stop(vmId);
    }

    @Override
    public void start(String vmId) {
        realm.start(vmId);
    }

    @Override
    public void destroy(String vmId) {
        agents.vmDestroyed(vmId, realm.addressOf(vmId));
        realm.destroy(vmId);
    }

    @Override
    public void close() {
        agents.close();
        realm.close();
    }
}
