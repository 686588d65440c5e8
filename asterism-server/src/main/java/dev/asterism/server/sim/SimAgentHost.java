package dev.asterism.server.sim;

import static java.util.Objects.requireNonNull;

import dev.asterism.agent.AgentState;
import dev.asterism.agent.AgentSupervisor;
import dev.asterism.guest.sim.SimGuestNetwork;
import dev.asterism.guest.sim.SimGuestPlatform;
import dev.asterism.realm.sim.SimAgentRegistrar;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.Secret;
import dev.asterism.spi.realm.Realm;
import dev.asterism.spi.realm.RealmVm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The agents of the sim realm's VMs: the real agent program (asterism-agent), run in this JVM on the sim guest
 * platform, dialling the server over the real TLS agent channel with the VM's one-time token. Only the VM and its
 * guest OS are simulated; registration, sealed injection and every command travel as they would from a real VM.
 * An agent that stops because its VM "rebooted" or its channel closed is started again on its saved state, and so
 * is the agent of every VM the realm read back after a server restart (the VM kept running; its agent process, like
 * the server, was killed).
 */
public final class SimAgentHost implements SimAgentRegistrar, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SimAgentHost.class.getName());
    private static final Duration RECONNECT_DELAY = Duration.ofMillis(200);

    private final Path stateRoot;
    private final SimGuestNetwork network;
    private final Clock clock;
    private final Supplier<Realm> realm;
    private final Supplier<String> endpointUrl;
    private final Supplier<String> caFingerprint;
    private final Map<String, Running> agents = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private record Running(AgentSupervisor supervisor, Ipv4Address address) {
    }

    public SimAgentHost(Path stateRoot, SimGuestNetwork network, Clock clock, Supplier<Realm> realm,
            Supplier<String> endpointUrl, Supplier<String> caFingerprint) {
        this.stateRoot = requireNonNull(stateRoot, "stateRoot is null");
        this.network = requireNonNull(network, "network is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.realm = requireNonNull(realm, "realm is null");
        this.endpointUrl = requireNonNull(endpointUrl, "endpointUrl is null");
        this.caFingerprint = requireNonNull(caFingerprint, "caFingerprint is null");
    }

    /** The sim realm's VM is running: boot its agent. The registration itself happens over the channel. */
    @Override
    public boolean register(String vmId, String registrationToken) {
        if (closed) {
            throw new IllegalStateException("the sim agent host is closed");
        }
        Optional<RealmVm> vm = realm.get().inspect(vmId);
        if (vm.isEmpty() || vm.get().addresses().isEmpty()) {
            return false;
        }
        if (agents.containsKey(vmId)) {
            return true;
        }
        Ipv4Address address = Ipv4Address.of(vm.get().addresses().getFirst());
        Path directory = stateRoot.resolve(vmId);
        if (!AgentState.exists(directory)) {
            AgentState.create(directory, vmId, endpointUrl.get(), Secret.of(registrationToken));
        }
        SimGuestPlatform platform = network.addOrResume("vm-" + vmId.substring(0, 8), address);
        AgentSupervisor supervisor = new AgentSupervisor(directory, platform, endpointUrl, caFingerprint, clock,
                RECONNECT_DELAY);
        agents.put(vmId, new Running(supervisor, address));
        supervisor.start("sim-agent-" + vmId);
        return true;
    }

    /**
     * Kills the agent of VM {@code vmId} and lets its supervisor start it again on its saved state, as systemd
     * restarts a crashed agent process; the guest and its VM keep running.
     *
     * @return whether the VM had a running agent
     */
    public boolean killAgent(String vmId) {
        Running running = agents.get(vmId);
        return running != null && running.supervisor().kill();
    }

    /**
     * The VM is destroyed: its agent stops, its guest (at {@code address}, where the realm had it) leaves the
     * network, its state is deleted. Its agent need not run: a VM read back after a restart may be destroyed before.
     */
    public void vmDestroyed(String vmId, Optional<String> address) {
        Running running = agents.remove(vmId);
        if (running != null) {
            running.supervisor().close();
            network.removeGuest(running.address());
        }
        address.map(Ipv4Address::of).ifPresent(network::removeGuest);
        deleteQuietly(stateRoot.resolve(vmId));
    }

    /**
     * Clears what VMs that are gone left behind (a crash between destroying a VM and cleaning up after it): agent
     * state of VMs not in {@code vmIds}, guests at addresses not in {@code vmAddresses}.
     */
    public void removeLeftovers(Set<String> vmIds, Set<String> vmAddresses) {
        if (Files.isDirectory(stateRoot)) {
            try (var directories = Files.list(stateRoot)) {
                directories.filter(directory -> !vmIds.contains(directory.getFileName().toString()))
                        .forEach(SimAgentHost::deleteQuietly);
            } catch (IOException e) {
                LOG.warning("could not list the sim agent states in " + stateRoot + ": " + e.getMessage());
            }
        }
        for (SimGuestPlatform guest : network.guests()) {
            if (!vmAddresses.contains(guest.underlayAddress().value())) {
                LOG.info("removing the sim guest " + guest.hostName() + " at " + guest.underlayAddress()
                        + ": its VM is gone");
                network.removeGuest(guest.underlayAddress());
            }
        }
    }

    /** The stopping agent may still write its state once: try a few times, and leave leftovers to a log line. */
    private static void deleteQuietly(Path directory) {
        for (int attempt = 1; attempt <= 5; attempt++) {
            try {
                deleteRecursively(directory);
                return;
            } catch (UncheckedIOException e) {
                try {
                    Thread.sleep(20L * attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        LOG.warning("could not delete the sim agent state " + directory);
    }

    public SimGuestNetwork network() {
        return network;
    }

    @Override
    public void close() {
        closed = true;
        agents.keySet().forEach(vmId -> {
            Running running = agents.remove(vmId);
            if (running != null) {
                running.supervisor().close();
            }
        });
    }

    private static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (var paths = Files.walk(directory)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
