package dev.asterism.server.sim;

import static java.util.Objects.requireNonNull;

import dev.asterism.core.constellation.Constellation;
import dev.asterism.core.constellation.Member;
import dev.asterism.core.constellation.MemberPhase;
import dev.asterism.core.store.Store;
import dev.asterism.core.vm.Vm;
import dev.asterism.guest.sim.SimGuestNetwork;
import dev.asterism.guest.sim.SimGuestPlatform;
import dev.asterism.spi.guest.ComputerAccount;
import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.VpnPeer;
import dev.asterism.spi.realm.Realm;
import dev.asterism.spi.realm.RealmVm;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The invariants of DESIGN.md checked between the store and what the sim realm and its guests really hold, once
 * onboarding has settled (every member READY or FAILED, nothing in flight): no orphan VM, no guest without a VM, no
 * open port lease, and on every controller exactly the computer accounts and VPN peers of its READY members.
 * Read-only: it names what is wrong and changes nothing.
 */
public final class SimInvariants {
    private final Store store;
    private final Realm realm;
    private final SimGuestNetwork network;

    public SimInvariants(Store store, Realm realm, SimGuestNetwork network) {
        this.store = requireNonNull(store, "store is null");
        this.realm = requireNonNull(realm, "realm is null");
        this.network = requireNonNull(network, "network is null");
    }

    /** Every broken invariant, one sentence each; empty when all hold. */
    public List<String> violations() {
        List<String> violations = new ArrayList<>();
        Map<String, RealmVm> realmVms = realm.list().stream()
                .collect(Collectors.toMap(RealmVm::vmId, vm -> vm, (a, b) -> a, HashMap::new));
        Set<String> expected = store.call(t -> t.vms().expectedInRealm(realm.driver())).stream().map(Vm::id)
                .collect(Collectors.toSet());
        for (String vmId : new TreeSet<>(realmVms.keySet())) {
            if (!expected.contains(vmId)) {
                violations.add("orphan VM " + vmId + ": the realm holds it, the store expects it nowhere");
            }
        }
        Map<Ipv4Address, String> vmAt = new HashMap<>();
        realmVms.values().forEach(vm -> vm.addresses().forEach(a -> vmAt.put(Ipv4Address.of(a), vm.vmId())));
        for (SimGuestPlatform guest : network.guests()) {
            if (!vmAt.containsKey(guest.underlayAddress())) {
                violations.add("guest " + guest.hostName() + " at " + guest.underlayAddress() + " belongs to no VM");
            }
            if (guest.openLeaseCount() > 0) {
                violations.add(guest.openLeaseCount() + " open port lease(s) on " + guest.hostName() + ": "
                        + guest.firewall().openLeases());
            }
        }
        for (Constellation constellation : store.call(t -> t.constellations().list(null))) {
            violations.addAll(controllerViolations(constellation, realmVms));
        }
        return violations;
    }

    private List<String> controllerViolations(Constellation constellation, Map<String, RealmVm> realmVms) {
        List<String> violations = new ArrayList<>();
        String name = constellation.name();
        List<Member> members = store.call(t -> t.constellations().members(name, false));
        Set<String> readyComputers = new TreeSet<>();
        Set<String> readyKeys = new TreeSet<>();
        for (Member member : members) {
            if (member.phase() != MemberPhase.READY) {
                continue;
            }
            readyComputers.add(member.computerName());
            readyKeys.add(member.vpnPublicKey());
            Optional<Vm> vm = store.call(t -> t.vms().find(member.vmName()));
            if (vm.isEmpty() || !realmVms.containsKey(vm.get().id())) {
                violations.add("READY member " + name + "/" + member.name() + " has no VM in the realm");
            }
        }
        Optional<SimGuestPlatform> controller = store.call(t -> t.vms().find(constellation.controllerVm()))
                .map(vm -> realmVms.get(vm.id()))
                .filter(vm -> !vm.addresses().isEmpty())
                .flatMap(vm -> guestAt(Ipv4Address.of(vm.addresses().getFirst())));
        if (controller.isEmpty()) {
            if (!readyComputers.isEmpty()) {
                violations.add("constellation " + name + " has READY members but no controlling guest");
            }
            return violations;
        }
        Set<String> computers = new TreeSet<>();
        Set<String> peers = new TreeSet<>();
        try {
            controller.get().domainController().computers().stream().map(ComputerAccount::name)
                    .forEach(computer -> computers.add(computer.value()));
            controller.get().vpnHub().peers().stream().map(VpnPeer::publicKey).forEach(key -> peers.add(key.value()));
        } catch (GuestException e) {
            // A controller not provisioned yet holds neither accounts nor peers.
        }
        difference(computers, readyComputers).forEach(computer -> violations.add("stray computer account "
                + computer + " in " + name + ": no READY member has it"));
        difference(readyComputers, computers).forEach(computer -> violations.add("READY member computer "
                + computer + " of " + name + " has no account on the controller"));
        difference(peers, readyKeys).forEach(key -> violations.add("stray VPN peer " + key + " on the hub of "
                + name + ": no READY member has that key"));
        difference(readyKeys, peers).forEach(key -> violations.add("a READY member of " + name + " with key " + key
                + " is not a peer of the hub"));
        return violations;
    }

    private Optional<SimGuestPlatform> guestAt(Ipv4Address address) {
        return network.guests().stream().filter(guest -> guest.underlayAddress().equals(address)).findFirst();
    }

    private static Set<String> difference(Set<String> left, Set<String> right) {
        Set<String> result = new TreeSet<>(left);
        result.removeAll(right);
        return result;
    }
}
