package dev.asterism.core.constellation;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.ClipboardRule;
import java.time.Instant;

/**
 * One worker VM of a constellation and where its onboarding or removal stands. Everything a phase needs to resume
 * after a crash is here: the VM, the lease, the sealed bundle (ciphertext only), the join progress.
 *
 * @param vmName the member's VM, once requested
 * @param overlayAddress its address on the VPN, allocated when it is added
 * @param phaseStartedAt when the current phase began, for its deadline
 * @param sealedBundle the sealed join bundle as the controller returned it (JSON of a SealedBox), never plaintext
 * @param joinStatus the last step report: null, STARTED, SUCCEEDED, FAILED or REBOOTING
 * @param clipboard the clipboard rule its desktop enforces as far as the reconciler knows, null before it set one
 * @param condition a readable note on what the phase waits for, or why it failed
 */
public record Member(
        String id,
        String constellation,
        String name,
        String brick,
        String profile,
        String vmName,
        String overlayAddress,
        MemberPhase phase,
        boolean removalRequested,
        String condition,
        String sealedBundle,
        String joinStatus,
        String vpnPublicKey,
        ClipboardRule clipboard,
        Instant phaseStartedAt,
        Instant createdAt,
        Instant updatedAt,
        Instant nextCheckAt,
        int attempts,
        long version) {

    public Member {
        requireNonNull(id, "id is null");
        requireNonNull(constellation, "constellation is null");
        requireNonNull(name, "name is null");
        requireNonNull(brick, "brick is null");
        requireNonNull(overlayAddress, "overlayAddress is null");
        requireNonNull(phase, "phase is null");
        requireNonNull(phaseStartedAt, "phaseStartedAt is null");
        requireNonNull(createdAt, "createdAt is null");
        requireNonNull(updatedAt, "updatedAt is null");
    }

    /** The next phase, started now and checked at once. */
    public Member enter(MemberPhase next, String newCondition, Instant now) {
        return new Member(id, constellation, name, brick, profile, vmName, overlayAddress, next, removalRequested,
                newCondition, sealedBundle, next == MemberPhase.JOIN ? null : joinStatus, vpnPublicKey, clipboard, now,
                createdAt, now, next.isSettled() ? null : now, 0, version);
    }

    /** Nothing to do yet; look again at {@code nextCheck}. */
    public Member waitUntil(String newCondition, Instant now, Instant nextCheck) {
        return new Member(id, constellation, name, brick, profile, vmName, overlayAddress, phase, removalRequested,
                newCondition, sealedBundle, joinStatus, vpnPublicKey, clipboard, phaseStartedAt, createdAt, now,
                nextCheck, attempts, version);
    }

    /** The step failed and will be tried again at {@code nextCheck}. */
    public Member retryAt(String newCondition, Instant now, Instant nextCheck) {
        return new Member(id, constellation, name, brick, profile, vmName, overlayAddress, phase, removalRequested,
                newCondition, sealedBundle, joinStatus, vpnPublicKey, clipboard, phaseStartedAt, createdAt, now,
                nextCheck, attempts + 1, version);
    }

    public Member withVm(String newVmName) {
        return new Member(id, constellation, name, brick, profile, newVmName, overlayAddress, phase, removalRequested,
                condition, sealedBundle, joinStatus, vpnPublicKey, clipboard, phaseStartedAt, createdAt, updatedAt,
                nextCheckAt, attempts, version);
    }

    public Member withSealedBundle(String sealed) {
        return new Member(id, constellation, name, brick, profile, vmName, overlayAddress, phase, removalRequested,
                condition, sealed, joinStatus, vpnPublicKey, clipboard, phaseStartedAt, createdAt, updatedAt,
                nextCheckAt, attempts, version);
    }

    public Member withJoinStatus(String status, String newCondition, Instant now) {
        return new Member(id, constellation, name, brick, profile, vmName, overlayAddress, phase, removalRequested,
                newCondition, sealedBundle, status, vpnPublicKey, clipboard, phaseStartedAt, createdAt, now, now,
                attempts, version);
    }

    public Member withVpnPublicKey(String key) {
        return new Member(id, constellation, name, brick, profile, vmName, overlayAddress, phase, removalRequested,
                condition, sealedBundle, joinStatus, key, clipboard, phaseStartedAt, createdAt, updatedAt, nextCheckAt,
                attempts, version);
    }

    /** The member's desktop enforces {@code rule} now. */
    public Member withClipboard(ClipboardRule rule) {
        return new Member(id, constellation, name, brick, profile, vmName, overlayAddress, phase, removalRequested,
                condition, sealedBundle, joinStatus, vpnPublicKey, rule, phaseStartedAt, createdAt, updatedAt,
                nextCheckAt, attempts, version);
    }

    /** The same member as stored after a write, which bumped its version. */
    public Member withVersion(long newVersion) {
        return new Member(id, constellation, name, brick, profile, vmName, overlayAddress, phase, removalRequested,
                condition, sealedBundle, joinStatus, vpnPublicKey, clipboard, phaseStartedAt, createdAt, updatedAt,
                nextCheckAt, attempts, newVersion);
    }

    /** Asks for removal (or cleanup after a failure), starting with the VPN peer. */
    public Member removing(boolean requested, String newCondition, Instant now) {
        return new Member(id, constellation, name, brick, profile, vmName, overlayAddress, MemberPhase.REMOVE_PEER,
                requested, newCondition, sealedBundle, joinStatus, vpnPublicKey, clipboard, now, createdAt, now, now, 0,
                version);
    }

    /** A failed member started again from the beginning, with a new VM. */
    public Member restarted(Instant now) {
        return new Member(id, constellation, name, brick, profile, null, overlayAddress, MemberPhase.REQUEST_VM, false,
                null, null, null, null, null, now, createdAt, now, now, 0, version);
    }

    /** The computer account's name: the member's name in capitals (NetBIOS names have at most 15 characters). */
    public String computerName() {
        return name.toUpperCase(java.util.Locale.ROOT);
    }
}
