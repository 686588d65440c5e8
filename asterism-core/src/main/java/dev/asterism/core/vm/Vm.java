package dev.asterism.core.vm;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.realm.OsFamily;
import java.time.Instant;
import java.util.List;

/**
 * A VM as the server stores it. The hardware and image are copied from the catalog when the VM is
 * requested, so later catalog edits do not change a running VM.
 *
 * @param project the project whose quota it counts against
 * @param network the isolated network its underlay joins (a constellation's name; a plain VM's own id)
 * @param reason why the VM failed or what it waits for; null when there is nothing to say
 * @param registeredAt when its agent registered; null before
 * @param nextCheckAt when the reconciler looks at it next; null when nothing is to be done
 * @param attempts failed attempts at the current step, for back-off
 * @param version optimistic-lock counter, bumped by every write
 */
public record Vm(
        String id,
        String name,
        String owner,
        String project,
        String brick,
        String realm,
        String profile,
        OsFamily osFamily,
        String image,
        int vcpus,
        int memoryMib,
        int diskGib,
        String network,
        VmState state,
        DesiredState desiredState,
        String reason,
        List<String> addresses,
        Instant createdAt,
        Instant updatedAt,
        Instant registrationDeadline,
        Instant registeredAt,
        Instant nextCheckAt,
        int attempts,
        long version) {

    public Vm {
        requireNonNull(id, "id is null");
        requireNonNull(name, "name is null");
        requireNonNull(owner, "owner is null");
        requireNonNull(project, "project is null");
        requireNonNull(brick, "brick is null");
        requireNonNull(realm, "realm is null");
        requireNonNull(profile, "profile is null");
        requireNonNull(osFamily, "osFamily is null");
        requireNonNull(image, "image is null");
        requireNonNull(network, "network is null");
        requireNonNull(state, "state is null");
        requireNonNull(desiredState, "desiredState is null");
        addresses = List.copyOf(addresses);
        requireNonNull(createdAt, "createdAt is null");
        requireNonNull(updatedAt, "updatedAt is null");
        requireNonNull(registrationDeadline, "registrationDeadline is null");
    }

    /** The same VM in a new state, checked again at {@code nextCheckAt}, with the attempt counter reset. */
    public Vm moveTo(VmState newState, String newReason, Instant now, Instant nextCheck) {
        return new Vm(id, name, owner, project, brick, realm, profile, osFamily, image, vcpus, memoryMib, diskGib,
                network, newState, desiredState, newReason, addresses, createdAt, now, registrationDeadline,
                registeredAt, nextCheck, 0, version);
    }

    public Vm withDesiredState(DesiredState desired, Instant now) {
        return new Vm(id, name, owner, project, brick, realm, profile, osFamily, image, vcpus, memoryMib, diskGib,
                network, state, desired, reason, addresses, createdAt, now, registrationDeadline, registeredAt, now, 0,
                version);
    }

    public Vm withAddresses(List<String> newAddresses) {
        return new Vm(id, name, owner, project, brick, realm, profile, osFamily, image, vcpus, memoryMib, diskGib,
                network, state, desiredState, reason, newAddresses, createdAt, updatedAt, registrationDeadline,
                registeredAt, nextCheckAt, attempts, version);
    }

    /**
     * Its agent registered. A VM waiting for that runs now; one still starting keeps its state until the
     * reconciler has seen the realm report it running.
     */
    public Vm registered(Instant now) {
        boolean waiting = state == VmState.AWAITING_REGISTRATION;
        return new Vm(id, name, owner, project, brick, realm, profile, osFamily, image, vcpus, memoryMib, diskGib,
                network, waiting ? VmState.RUNNING : state, desiredState, waiting ? null : reason, addresses, createdAt,
                now, registrationDeadline, now, now, 0, version);
    }

    /** The same VM as stored after a write, which bumped its version. */
    public Vm withVersion(long newVersion) {
        return new Vm(id, name, owner, project, brick, realm, profile, osFamily, image, vcpus, memoryMib, diskGib,
                network, state, desiredState, reason, addresses, createdAt, updatedAt, registrationDeadline,
                registeredAt, nextCheckAt, attempts, newVersion);
    }

    /** Nothing changed; look again at {@code nextCheck}. */
    public Vm recheckAt(Instant now, Instant nextCheck) {
        return new Vm(id, name, owner, project, brick, realm, profile, osFamily, image, vcpus, memoryMib, diskGib,
                network, state, desiredState, reason, addresses, createdAt, now, registrationDeadline, registeredAt,
                nextCheck, attempts, version);
    }

    /** The same step failed again; look again at {@code nextCheck}. */
    public Vm retryAt(String newReason, Instant now, Instant nextCheck) {
        return new Vm(id, name, owner, project, brick, realm, profile, osFamily, image, vcpus, memoryMib, diskGib,
                network, state, desiredState, newReason, addresses, createdAt, now, registrationDeadline, registeredAt,
                nextCheck, attempts + 1, version);
    }
}
