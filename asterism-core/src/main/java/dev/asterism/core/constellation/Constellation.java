package dev.asterism.core.constellation;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.ClipboardRule;
import java.time.Instant;

/**
 * A controlling VM and its members, with a domain and a VPN overlay subnet.
 *
 * @param project the project it belongs to, chosen at creation
 * @param controllerVm the controlling VM's name (a VM of the store)
 * @param joinMode in which order members join the domain and the VPN
 * @param clipboard which way the clipboard of its members' desktop sessions carries data
 * @param hubPublicKey the VPN hub's public key once provisioned, else null
 */
public record Constellation(
        String name,
        String owner,
        String project,
        String controllerBrick,
        String controllerVm,
        String domain,
        String overlaySubnet,
        JoinMode joinMode,
        ClipboardRule clipboard,
        ConstellationState state,
        String reason,
        String hubPublicKey,
        Instant createdAt,
        Instant updatedAt,
        Instant nextCheckAt,
        int attempts,
        long version) {

    public Constellation {
        requireNonNull(name, "name is null");
        requireNonNull(owner, "owner is null");
        requireNonNull(project, "project is null");
        requireNonNull(controllerBrick, "controllerBrick is null");
        requireNonNull(controllerVm, "controllerVm is null");
        requireNonNull(domain, "domain is null");
        requireNonNull(overlaySubnet, "overlaySubnet is null");
        requireNonNull(joinMode, "joinMode is null");
        requireNonNull(clipboard, "clipboard is null");
        requireNonNull(state, "state is null");
        requireNonNull(createdAt, "createdAt is null");
        requireNonNull(updatedAt, "updatedAt is null");
    }

    public Constellation moveTo(ConstellationState newState, String newReason, String hubKey, Instant now,
            Instant nextCheck) {
        return new Constellation(name, owner, project, controllerBrick, controllerVm, domain, overlaySubnet, joinMode,
                clipboard, newState, newReason, hubKey, createdAt, now, nextCheck, 0, version);
    }

    /** Nothing to do yet, which is no failed attempt; look again at {@code nextCheck}. */
    public Constellation waitUntil(String newReason, Instant now, Instant nextCheck) {
        return new Constellation(name, owner, project, controllerBrick, controllerVm, domain, overlaySubnet, joinMode,
                clipboard, state, newReason, hubPublicKey, createdAt, now, nextCheck, attempts, version);
    }

    /** The same constellation with another clipboard rule, which its members take on next. */
    public Constellation withClipboard(ClipboardRule rule, Instant now) {
        return new Constellation(name, owner, project, controllerBrick, controllerVm, domain, overlaySubnet, joinMode,
                rule, state, reason, hubPublicKey, createdAt, now, nextCheckAt, attempts, version);
    }

    public Constellation withVersion(long newVersion) {
        return new Constellation(name, owner, project, controllerBrick, controllerVm, domain, overlaySubnet, joinMode,
                clipboard, state, reason, hubPublicKey, createdAt, updatedAt, nextCheckAt, attempts, newVersion);
    }

    public Constellation retryAt(String newReason, Instant now, Instant nextCheck) {
        return new Constellation(name, owner, project, controllerBrick, controllerVm, domain, overlaySubnet, joinMode,
                clipboard, state, newReason, hubPublicKey, createdAt, now, nextCheck, attempts + 1, version);
    }
}
