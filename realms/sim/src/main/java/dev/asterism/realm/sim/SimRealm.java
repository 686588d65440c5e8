package dev.asterism.realm.sim;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.realm.Bootstrap;
import dev.asterism.spi.realm.PowerState;
import dev.asterism.spi.realm.Realm;
import dev.asterism.spi.realm.RealmCapability;
import dev.asterism.spi.realm.RealmException;
import dev.asterism.spi.realm.RealmVm;
import dev.asterism.spi.realm.RealmVmSpec;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The in-memory realm: VMs that exist only in this object, for functional tests, demos and scale benchmarks that
 * run the real control plane with no hypervisor. A supported driver, like Nova's {@code fake} driver, and as strict
 * as a real one: a conflicting create, a full realm or an unknown VM fail with the codes a real driver uses.
 *
 * <p>Time comes from the injected {@link Clock}: a VM created at {@code t} is {@code PROVISIONING} until
 * {@code t + createDelay} and {@code RUNNING} after, with the delays and jitter of {@link SimRealmOptions}. Moving
 * a test's clock moves every VM; nothing waits in real time.
 *
 * <p>Until the real agent exists, the realm registers each VM's agent itself: one daemon thread, started by the
 * constructor and stopped by {@link #close()}, calls the {@link SimAgentRegistrar} for every VM that has been
 * {@code RUNNING} for the agent delay, once per VM lifetime.
 *
 * <p>Fault switches ({@link #failNthCreate}, {@link #loseVm}, {@link #failVm}, {@link #neverRegister},
 * {@link #neverRegisterAll}, {@link #failNextOperation}) make it misbehave as real hypervisors do, and
 * {@link #assertNoLeaks()} checks that the code under test cleaned up. All methods are thread-safe. A VM costs a
 * few hundred bytes and no thread, so the realm holds tens of thousands.
 */
public final class SimRealm implements Realm {

    /** The name of this driver. */
    public static final String DRIVER = "sim";

    private static final Set<RealmCapability> CAPABILITIES =
            Collections.unmodifiableSet(EnumSet.of(RealmCapability.STOP_AND_START));
    private static final Pattern HOST_NAME =
            Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", Pattern.CASE_INSENSITIVE);
    private static final long REGISTRATION_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final Duration AGENT_PASS_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
    private static final int VMS_NAMED_IN_A_LEAK = 20;
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final String VM_FILE_SUFFIX = ".vm";

    private final Clock clock;
    private final SimRealmOptions options;
    private final SimAgentRegistrar registrar;

    private final Object lock = new Object();
    /** Guarded by {@link #lock}; in creation order, so that {@link #list()} reads naturally. */
    private final Map<String, SimVm> vms = new LinkedHashMap<>();
    /** Guarded by {@link #lock}: the VMs whose agent has not registered yet, so a pass skips the others. */
    private final Set<SimVm> awaitingAgent = new LinkedHashSet<>();
    /** Guarded by {@link #lock}. */
    private final SimulatedAddresses addresses = new SimulatedAddresses();
    /** Guarded by {@link #lock}: how many creates until the one that fails; 0 when none is to fail. */
    private int createsUntilFailure;

    private final AtomicReference<RealmException.Code> nextOperationFailure = new AtomicReference<>();
    private final Set<String> neverRegister = ConcurrentHashMap.newKeySet();
    private volatile boolean neverRegisterAll;

    /** Where VMs are written, or null for a realm in memory only. */
    private final Path directory;
    private final Thread agentThread;
    private volatile boolean closed;
    private final Object agentPassMonitor = new Object();
    /** Guarded by {@link #agentPassMonitor}. */
    private long agentPassesCompleted;

    /**
     * A realm whose VMs follow {@code clock} and {@code options}, and whose agents register through
     * {@code registrar}. Starts the realm's background thread; {@link #close()} stops it.
     */
    public SimRealm(Clock clock, SimRealmOptions options, SimAgentRegistrar registrar) {
        this(clock, options, registrar, null);
    }

    /**
     * A realm that writes each VM to a file in {@code directory} whenever it changes, and holds the VMs written there
     * before: they kept running (or stopped) while no process simulated them, as real VMs outlive a crashed server.
     * Every VM that is powered on gets its agent booted again through {@code registrar}.
     *
     * @throws UncheckedIOException when the directory or a VM file cannot be read
     */
    public static SimRealm persistentIn(Clock clock, SimRealmOptions options, SimAgentRegistrar registrar,
            Path directory) {
        return new SimRealm(clock, options, registrar, requireNonNull(directory, "directory is null"));
    }

    private SimRealm(Clock clock, SimRealmOptions options, SimAgentRegistrar registrar, Path directory) {
        this.clock = requireNonNull(clock, "clock is null");
        this.options = requireNonNull(options, "options is null");
        this.registrar = requireNonNull(registrar, "registrar is null");
        this.directory = directory;
        if (directory != null) {
            readVms();
        }
        this.agentThread = Thread.ofPlatform()
                .name("sim-realm-agents-" + INSTANCES.incrementAndGet())
                .daemon(true)
                .unstarted(this::runAgents);
        agentThread.start();
    }

    /** A realm whose agents register with nothing: {@link SimAgentRegistrar#NONE}. */
    public SimRealm(Clock clock, SimRealmOptions options) {
        this(clock, options, SimAgentRegistrar.NONE);
    }

    @Override
    public String driver() {
        return DRIVER;
    }

    @Override
    public Set<RealmCapability> capabilities() {
        return CAPABILITIES;
    }

    /**
     * {@inheritDoc}
     *
     * @throws RealmException {@code INVALID_SPEC} when the host name is not a DNS label, the image is blank, or a VM
     *     with that id exists with a different spec; {@code NO_CAPACITY} when the realm holds {@code maxVms} VMs;
     *     {@code UNAVAILABLE} when {@link #failNthCreate} chose this call
     */
    @Override
    public RealmVm create(RealmVmSpec spec) {
        requireNonNull(spec, "spec is null");
        ensureOpen();
        synchronized (lock) {
            countCreateTowardsFailure();
            failIfAsked("create");
            requireValid(spec);
            Instant now = clock.instant();
            SimVm existing = vms.get(spec.vmId());
            if (existing != null) {
                if (!sameVm(existing.spec, spec)) {
                    throw new RealmException(
                            RealmException.Code.INVALID_SPEC,
                            "VM " + spec.vmId() + " exists already with a different spec");
                }
                return view(existing, now);
            }
            if (vms.size() >= options.maxVms()) {
                throw new RealmException(
                        RealmException.Code.NO_CAPACITY,
                        "the sim realm holds its maximum of " + options.maxVms() + " VMs");
            }
            OptionalInt address = addresses.take();
            if (address.isEmpty()) {
                throw new RealmException(
                        RealmException.Code.NO_CAPACITY, "the sim realm has no simulated address left");
            }
            SimVm vm = new SimVm(spec, address.getAsInt());
            boot(vm, now, options.createDelay());
            vms.put(spec.vmId(), vm);
            awaitingAgent.add(vm);
            save(vm);
            return view(vm, now);
        }
    }

    /**
     * Whether a create asks for the VM that exists: the same spec, except perhaps the server's address in the
     * bootstrap (a server restarted on another agent port asks again for the VM it had asked for; the VM keeps the
     * bootstrap it booted with, and its agent reaches the server where it is now).
     */
    private static boolean sameVm(RealmVmSpec existing, RealmVmSpec asked) {
        Bootstrap kept = existing.bootstrap();
        Bootstrap bootstrap = asked.bootstrap();
        return existing.equals(new RealmVmSpec(asked.vmId(), asked.hostName(), asked.osFamily(), asked.image(),
                asked.vcpus(), asked.memoryMib(), asked.diskGib(), new Bootstrap(kept.serverUrl(),
                        bootstrap.caFingerprint(), bootstrap.registrationToken()), asked.network()));
    }

    @Override
    public Optional<RealmVm> inspect(String vmId) {
        requireNonNull(vmId, "vmId is null");
        ensureOpen();
        synchronized (lock) {
            failIfAsked("inspect");
            return Optional.ofNullable(vms.get(vmId)).map(vm -> view(vm, clock.instant()));
        }
    }

    @Override
    public List<RealmVm> list() {
        ensureOpen();
        synchronized (lock) {
            failIfAsked("list");
            Instant now = clock.instant();
            List<RealmVm> listed = new ArrayList<>(vms.size());
            for (SimVm vm : vms.values()) {
                listed.add(view(vm, now));
            }
            return listed;
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>A running or booting VM is {@code STOPPING} for the stop delay; a failed one is {@code STOPPED} at once.
     */
    @Override
    public void stop(String vmId) {
        requireNonNull(vmId, "vmId is null");
        ensureOpen();
        synchronized (lock) {
            failIfAsked("stop");
            SimVm vm = requireExisting(vmId);
            Instant now = clock.instant();
            if (vm.failed()) {
                vm.powerOff(now);
            } else if (vm.poweredOn()) {
                vm.powerOff(now.plus(options.jittered(options.stopDelay(), vmId, vm.nextDraw())));
            }
            save(vm);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>A stopped, stopping or failed VM is {@code PROVISIONING} for the start delay, then {@code RUNNING}. An agent
     * that registered before does not register again.
     */
    @Override
    public void start(String vmId) {
        requireNonNull(vmId, "vmId is null");
        ensureOpen();
        synchronized (lock) {
            failIfAsked("start");
            SimVm vm = requireExisting(vmId);
            if (vm.failed() || !vm.poweredOn()) {
                boot(vm, clock.instant(), options.startDelay());
                save(vm);
            }
        }
    }

    @Override
    public void destroy(String vmId) {
        requireNonNull(vmId, "vmId is null");
        ensureOpen();
        synchronized (lock) {
            failIfAsked("destroy");
            remove(vmId);
        }
    }

    /** Stops the background thread; registrations in flight may be interrupted. The VMs stay observable. */
    @Override
    public void close() {
        closed = true;
        agentThread.interrupt();
        synchronized (agentPassMonitor) {
            agentPassMonitor.notifyAll();
        }
        // The registrar may close the realm from the agent thread itself, which cannot wait for its own end.
        if (Thread.currentThread() != agentThread) {
            try {
                agentThread.join(CLOSE_TIMEOUT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // Fault switches.

    /**
     * Makes the {@code n}-th create call from now on (1 for the next one) fail with {@code UNAVAILABLE}, leaving
     * nothing behind. A later call replaces an earlier one that has not fired yet.
     */
    public void failNthCreate(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n counts create calls from 1, not " + n);
        }
        synchronized (lock) {
            createsUntilFailure = n;
        }
    }

    /** Makes the next call of any realm operation fail with {@code code}, and no other call. */
    public void failNextOperation(RealmException.Code code) {
        nextOperationFailure.set(requireNonNull(code, "code is null"));
    }

    /**
     * Makes a VM vanish without a trace, as when a hypervisor loses a domain: it is no longer inspected or listed,
     * and no longer counts as a leak.
     *
     * @throws IllegalArgumentException when the realm holds no such VM
     */
    public void loseVm(String vmId) {
        requireNonNull(vmId, "vmId is null");
        synchronized (lock) {
            if (!vms.containsKey(vmId)) {
                throw new IllegalArgumentException("the sim realm holds no VM " + vmId + " to lose");
            }
            remove(vmId);
        }
    }

    /**
     * Makes a VM {@code FAILED}, as when its hypervisor process crashes. It stays failed until stopped, started or
     * destroyed.
     *
     * @throws IllegalArgumentException when the realm holds no such VM
     */
    public void failVm(String vmId) {
        requireNonNull(vmId, "vmId is null");
        synchronized (lock) {
            SimVm vm = vms.get(vmId);
            if (vm == null) {
                throw new IllegalArgumentException("the sim realm holds no VM " + vmId + " to fail");
            }
            vm.fail();
            save(vm);
        }
    }

    /** Makes the agent of VM {@code vmId} never register; the VM need not exist yet. */
    public void neverRegister(String vmId) {
        neverRegister.add(requireNonNull(vmId, "vmId is null"));
    }

    /**
     * While {@code true}, no agent registers, whatever its VM. Agents held back register once it is {@code false}
     * again.
     */
    public void neverRegisterAll(boolean never) {
        neverRegisterAll = never;
    }

    // Observers.

    /** The address VM {@code vmId} holds, whatever its power state (a VM shows it only while running). */
    public Optional<String> addressOf(String vmId) {
        synchronized (lock) {
            return Optional.ofNullable(vms.get(vmId)).map(vm -> SimulatedAddresses.format(vm.addressOffset));
        }
    }

    /** The addresses of all VMs the realm holds, whatever their power state. */
    public Set<String> addresses() {
        synchronized (lock) {
            Set<String> held = new LinkedHashSet<>();
            vms.values().forEach(vm -> held.add(SimulatedAddresses.format(vm.addressOffset)));
            return held;
        }
    }

    /** How many VMs the realm holds, in any power state. */
    public int vmCount() {
        synchronized (lock) {
            return vms.size();
        }
    }

    /** How many of the VMs the realm holds have an agent that the registrar accepted. */
    public int registeredCount() {
        synchronized (lock) {
            int registered = 0;
            for (SimVm vm : vms.values()) {
                if (vm.registration == SimVm.Registration.ACCEPTED) {
                    registered++;
                }
            }
            return registered;
        }
    }

    /** Whether the realm holds VM {@code vmId} and the registrar accepted its agent. */
    public boolean agentRegistered(String vmId) {
        requireNonNull(vmId, "vmId is null");
        synchronized (lock) {
            SimVm vm = vms.get(vmId);
            return vm != null && vm.registration == SimVm.Registration.ACCEPTED;
        }
    }

    /**
     * Waits, in real time, until the background thread has made one complete pass that began after this call, so
     * that every agent due at the current clock time has been offered to the registrar.
     *
     * @throws IllegalStateException when the realm is closed, or no pass completes within ten seconds
     */
    public void awaitAgentPass() {
        long deadline = System.nanoTime() + AGENT_PASS_TIMEOUT.toNanos();
        synchronized (agentPassMonitor) {
            // A pass in flight may have begun before this call, so wait for the one after it.
            long target = agentPassesCompleted + 2;
            while (agentPassesCompleted < target) {
                if (closed) {
                    throw new IllegalStateException("the sim realm is closed: its agents no longer register");
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    throw new IllegalStateException(
                            "the sim realm's agent thread completed no pass within " + AGENT_PASS_TIMEOUT);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(agentPassMonitor, remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the sim realm's agents", e);
                }
            }
        }
    }

    /**
     * Checks that the code under test destroyed every VM it created.
     *
     * @throws AssertionError naming the VMs the realm still holds, with their power state
     */
    public void assertNoLeaks() {
        String message;
        synchronized (lock) {
            if (vms.isEmpty()) {
                return;
            }
            Instant now = clock.instant();
            List<String> named = new ArrayList<>();
            for (SimVm vm : vms.values()) {
                if (named.size() == VMS_NAMED_IN_A_LEAK) {
                    named.add("and " + (vms.size() - VMS_NAMED_IN_A_LEAK) + " more");
                    break;
                }
                named.add(vm.spec.vmId() + " (" + vm.power(now) + ")");
            }
            message = "the sim realm still holds " + vms.size() + " VM(s): " + String.join(", ", named);
        }
        throw new AssertionError(message);
    }

    @Override
    public String toString() {
        return "SimRealm[" + vmCount() + " VMs, " + options + "]";
    }

    // Internals; every method that touches VMs runs under the lock unless it says otherwise.

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the sim realm is closed");
        }
    }

    private void countCreateTowardsFailure() {
        if (createsUntilFailure > 0) {
            createsUntilFailure--;
            if (createsUntilFailure == 0) {
                throw new RealmException(RealmException.Code.UNAVAILABLE, "simulated hypervisor failure during create");
            }
        }
    }

    private void failIfAsked(String operation) {
        RealmException.Code code = nextOperationFailure.getAndSet(null);
        if (code != null) {
            throw new RealmException(code, "simulated failure of " + operation);
        }
    }

    private static void requireValid(RealmVmSpec spec) {
        if (!HOST_NAME.matcher(spec.hostName()).matches()) {
            throw new RealmException(
                    RealmException.Code.INVALID_SPEC, "host name '" + spec.hostName() + "' is not a DNS label");
        }
        if (spec.image().isBlank()) {
            throw new RealmException(RealmException.Code.INVALID_SPEC, "the image of VM " + spec.vmId() + " is blank");
        }
    }

    private SimVm requireExisting(String vmId) {
        SimVm vm = vms.get(vmId);
        if (vm == null) {
            throw new RealmException(RealmException.Code.NOT_FOUND, "the sim realm holds no VM " + vmId);
        }
        return vm;
    }

    private void boot(SimVm vm, Instant now, Duration nominalDelay) {
        String vmId = vm.spec.vmId();
        Instant runningAt = now.plus(options.jittered(nominalDelay, vmId, vm.nextDraw()));
        Instant agentDueAt = runningAt.plus(options.jittered(options.agentDelay(), vmId, vm.nextDraw()));
        vm.powerOn(runningAt, agentDueAt);
    }

    private void remove(String vmId) {
        SimVm vm = vms.remove(vmId);
        if (vm != null) {
            addresses.release(vm.addressOffset);
            awaitingAgent.remove(vm);
            if (directory != null) {
                try {
                    Files.deleteIfExists(fileOf(vmId));
                } catch (IOException e) {
                    throw new RealmException(RealmException.Code.UNAVAILABLE,
                            "cannot delete the sim VM file of " + vmId + ": " + e.getMessage());
                }
            }
        }
    }

    /** Writes {@code vm} to its file when this realm is persistent; a crash leaves the old file or the new one. */
    private void save(SimVm vm) {
        if (directory == null) {
            return;
        }
        Path file = fileOf(vm.spec.vmId());
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (Writer writer = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
                vm.toProperties().store(writer, null);
            }
            Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new RealmException(RealmException.Code.UNAVAILABLE,
                    "cannot write the sim VM file " + file + ": " + e.getMessage());
        }
    }

    private Path fileOf(String vmId) {
        return directory.resolve(vmId + VM_FILE_SUFFIX);
    }

    /** Reads the VMs written to the directory before; runs in the constructor, before the agent thread starts. */
    private void readVms() {
        try {
            Files.createDirectories(directory);
            try (Stream<Path> files = Files.list(directory)) {
                for (Path file : files.filter(f -> f.getFileName().toString().endsWith(VM_FILE_SUFFIX)).sorted()
                        .toList()) {
                    Properties properties = new Properties();
                    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                        properties.load(reader);
                    }
                    SimVm vm = SimVm.fromProperties(properties);
                    vms.put(vm.spec.vmId(), vm);
                    addresses.takeExactly(vm.addressOffset);
                    if (vm.poweredOn() && !vm.failed()) {
                        awaitingAgent.add(vm);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the sim VMs in " + directory, e);
        }
    }

    private static RealmVm view(SimVm vm, Instant now) {
        PowerState power = vm.power(now);
        List<String> shownAddresses = List.of();
        if (power == PowerState.RUNNING) {
            shownAddresses = List.of(SimulatedAddresses.format(vm.addressOffset));
        }
        return new RealmVm(vm.spec.vmId(), power, shownAddresses, detail(vm, power));
    }

    private static String detail(SimVm vm, PowerState power) {
        return switch (power) {
            case PROVISIONING -> "simulated VM, booting";
            case RUNNING -> switch (vm.registration) {
                case WAITING -> "simulated VM, agent not registered yet";
                case ACCEPTED -> "simulated VM, agent registered";
                case REFUSED -> "simulated VM, agent refused by the server";
            };
            case STOPPING -> "simulated VM, shutting down";
            case STOPPED -> "simulated VM, powered off";
            case FAILED -> "simulated VM, failed by an injected fault";
        };
    }

    // The background thread; it takes the lock only briefly and never holds it while calling the registrar.

    private void runAgents() {
        while (!closed) {
            registerDueAgents();
            synchronized (agentPassMonitor) {
                agentPassesCompleted++;
                agentPassMonitor.notifyAll();
            }
            try {
                Thread.sleep(options.agentPollInterval());
            } catch (InterruptedException e) {
                // close() interrupts the sleep; the loop condition ends the thread.
            }
        }
    }

    private void registerDueAgents() {
        List<SimVm> due = new ArrayList<>();
        synchronized (lock) {
            if (neverRegisterAll) {
                return;
            }
            Instant now = clock.instant();
            long nowNanos = System.nanoTime();
            for (SimVm vm : awaitingAgent) {
                if (vm.agentDue(now)
                        && retryAllowed(vm, nowNanos)
                        && !neverRegister.contains(vm.spec.vmId())) {
                    due.add(vm);
                }
            }
        }
        for (SimVm vm : due) {
            if (closed) {
                return;
            }
            SimVm.Registration outcome = attemptRegistration(vm);
            synchronized (lock) {
                vm.registrationAttempts++;
                vm.lastRegistrationAttemptNanos = System.nanoTime();
                vm.registration = outcome;
                if (outcome != SimVm.Registration.WAITING) {
                    awaitingAgent.remove(vm);
                }
            }
        }
    }

    private static boolean retryAllowed(SimVm vm, long nowNanos) {
        return vm.registrationAttempts == 0 || nowNanos - vm.lastRegistrationAttemptNanos >= REGISTRATION_RETRY_NANOS;
    }

    /** Calls the registrar without the lock; {@code WAITING} means it failed and is to be tried again. */
    private SimVm.Registration attemptRegistration(SimVm vm) {
        try {
            if (registrar.register(vm.spec.vmId(), vm.spec.bootstrap().registrationToken())) {
                return SimVm.Registration.ACCEPTED;
            }
            return SimVm.Registration.REFUSED;
        } catch (RuntimeException e) {
            return SimVm.Registration.WAITING;
        }
    }
}
