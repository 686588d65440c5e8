package dev.asterism.realm.sim;

import dev.asterism.spi.realm.Bootstrap;
import dev.asterism.spi.realm.OsFamily;
import dev.asterism.spi.realm.PowerState;
import dev.asterism.spi.realm.RealmVmSpec;
import java.time.Instant;
import java.util.Properties;

/**
 * One simulated VM. Its power is not stored but computed from the realm's clock: the VM remembers whether it is
 * powered on and when its last transition ends. Every field is guarded by the owning realm's lock.
 */
final class SimVm {

    enum Registration {
        WAITING,
        ACCEPTED,
        REFUSED
    }

    final RealmVmSpec spec;
    final int addressOffset;
    private boolean poweredOn;
    private boolean failed;
    private Instant transitionEndsAt;
    private Instant agentDueAt;
    private long delaysDrawn;
    Registration registration = Registration.WAITING;
    /** Real time ({@link System#nanoTime()}) of the last call to the registrar, which paces retries. */
    long lastRegistrationAttemptNanos;
    int registrationAttempts;

    SimVm(RealmVmSpec spec, int addressOffset) {
        this.spec = spec;
        this.addressOffset = addressOffset;
    }

    /** Takes the next draw number, so that each delay of this VM gets its own jitter. */
    long nextDraw() {
        return delaysDrawn++;
    }

    PowerState power(Instant now) {
        if (failed) {
            return PowerState.FAILED;
        }
        boolean settled = !now.isBefore(transitionEndsAt);
        if (poweredOn) {
            if (settled) {
                return PowerState.RUNNING;
            }
            return PowerState.PROVISIONING;
        }
        if (settled) {
            return PowerState.STOPPED;
        }
        return PowerState.STOPPING;
    }

    boolean poweredOn() {
        return poweredOn;
    }

    boolean failed() {
        return failed;
    }

    /** Boots: running at {@code runningAt}, its agent due at {@code agentDueAt}. A failure is cleared. */
    void powerOn(Instant runningAt, Instant agentDueAt) {
        this.failed = false;
        this.poweredOn = true;
        this.transitionEndsAt = runningAt;
        this.agentDueAt = agentDueAt;
    }

    /** Shuts down, stopped at {@code stoppedAt}. A failure is cleared. */
    void powerOff(Instant stoppedAt) {
        this.failed = false;
        this.poweredOn = false;
        this.transitionEndsAt = stoppedAt;
    }

    void fail() {
        this.failed = true;
    }

    /**
     * This VM as a file's properties: its spec (with the bootstrap data a real driver would put on the VM's config
     * disk) and its power. How registration went is not kept: after the realm is opened again, every running VM's
     * agent is booted once more.
     */
    Properties toProperties() {
        Properties p = new Properties();
        p.setProperty("vmId", spec.vmId());
        p.setProperty("hostName", spec.hostName());
        p.setProperty("osFamily", spec.osFamily().name());
        p.setProperty("image", spec.image());
        p.setProperty("vcpus", Integer.toString(spec.vcpus()));
        p.setProperty("memoryMib", Integer.toString(spec.memoryMib()));
        p.setProperty("diskGib", Integer.toString(spec.diskGib()));
        p.setProperty("serverUrl", spec.bootstrap().serverUrl());
        p.setProperty("caFingerprint", spec.bootstrap().caFingerprint());
        p.setProperty("registrationToken", spec.bootstrap().registrationToken());
        p.setProperty("network", spec.network());
        p.setProperty("addressOffset", Integer.toString(addressOffset));
        p.setProperty("poweredOn", Boolean.toString(poweredOn));
        p.setProperty("failed", Boolean.toString(failed));
        p.setProperty("transitionEndsAt", transitionEndsAt.toString());
        p.setProperty("agentDueAt", agentDueAt == null ? "" : agentDueAt.toString());
        p.setProperty("delaysDrawn", Long.toString(delaysDrawn));
        return p;
    }

    /** The VM a file's properties describe. @throws RuntimeException when a property is missing or malformed */
    static SimVm fromProperties(Properties p) {
        RealmVmSpec spec = new RealmVmSpec(p.getProperty("vmId"), p.getProperty("hostName"),
                OsFamily.valueOf(p.getProperty("osFamily")), p.getProperty("image"),
                Integer.parseInt(p.getProperty("vcpus")), Integer.parseInt(p.getProperty("memoryMib")),
                Integer.parseInt(p.getProperty("diskGib")), new Bootstrap(p.getProperty("serverUrl"),
                        p.getProperty("caFingerprint"), p.getProperty("registrationToken")),
                // Files written before VMs had networks hold none: such a VM was alone on a network named by its id.
                p.getProperty("network", p.getProperty("vmId")));
        SimVm vm = new SimVm(spec, Integer.parseInt(p.getProperty("addressOffset")));
        vm.poweredOn = Boolean.parseBoolean(p.getProperty("poweredOn"));
        vm.failed = Boolean.parseBoolean(p.getProperty("failed"));
        vm.transitionEndsAt = Instant.parse(p.getProperty("transitionEndsAt"));
        String agentDue = p.getProperty("agentDueAt", "");
        vm.agentDueAt = agentDue.isEmpty() ? null : Instant.parse(agentDue);
        vm.delaysDrawn = Long.parseLong(p.getProperty("delaysDrawn"));
        return vm;
    }

    boolean agentDue(Instant now) {
        return registration == Registration.WAITING
                && power(now) == PowerState.RUNNING
                && !now.isBefore(agentDueAt);
    }
}
