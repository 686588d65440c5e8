package dev.asterism.server.gateway;

import static java.util.Objects.requireNonNull;

import dev.asterism.core.catalog.Capability;
import dev.asterism.core.constellation.AgentCommands;
import dev.asterism.core.constellation.ConstellationService;
import dev.asterism.core.store.Store;
import dev.asterism.core.vm.VmService;
import dev.asterism.protocol.AgentRole;
import dev.asterism.protocol.CommandResult;
import dev.asterism.protocol.ControllerCommand;
import dev.asterism.protocol.Message;
import dev.asterism.protocol.Register;
import dev.asterism.protocol.StepReport;
import dev.asterism.protocol.tunnel.TunnelFrame;
import dev.asterism.server.agent.AgentConnections;
import dev.asterism.server.agent.AgentMessageHandler;
import dev.asterism.server.agent.RegistrationDecider;
import dev.asterism.server.tunnel.TunnelRelay;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * The server's end of the agent channel, whatever carries it (the TLS WebSocket endpoint for real VMs, an
 * in-memory link for the sim realm's agents). It decides registrations, routes commands to agents and their
 * results back, and hands step reports to onboarding. It never sees a domain secret: bundles arrive sealed.
 */
public final class AgentGateway implements AgentCommands, RegistrationDecider, AgentMessageHandler {
    private static final Logger LOG = Logger.getLogger(AgentGateway.class.getName());

    private final Store store;
    private final VmService vms;
    private final Duration commandTimeout;
    private final AgentConnections connections;
    private final Map<String, CompletableFuture<CommandResult>> pending = new ConcurrentHashMap<>();
    private volatile ConstellationService constellations;
    private volatile TunnelRelay tunnels;

    public AgentGateway(Store store, VmService vms, AgentConnections connections, Duration commandTimeout) {
        this.connections = requireNonNull(connections, "connections is null");
        this.store = requireNonNull(store, "store is null");
        this.vms = requireNonNull(vms, "vms is null");
        this.commandTimeout = requireNonNull(commandTimeout, "commandTimeout is null");
    }

    /** Set once at wiring: onboarding and the gateway know each other. */
    public void reportStepsTo(ConstellationService service) {
        this.constellations = service;
    }

    /** Set once at wiring: tunnel frames from agents go to the relay. */
    public void relayTunnelsThrough(TunnelRelay relay) {
        this.tunnels = relay;
    }

    /**
     * A registration: accepted once per VM with its one-time token. A controller brick's VM gets the controller
     * role; any other VM stays a stub until a join bundle arrives. Refusals are audited by the VM service.
     */
    @Override
    public Decision decide(Register register) {
        boolean accepted = vms.register(register.vmId(), register.registrationToken(), register.agentPublicKey(),
                register.tlsPublicKey().orElse(""));
        if (!accepted) {
            return Decision.refused("this VM cannot register with that token: it is unknown, wrong or used already,"
                    + " or the VM is no longer waiting for its agent");
        }
        if (constellations != null) {
            constellations.agentRegistered();
        }
        return Decision.accepted(roleOf(register.vmId()));
    }

    /** What an agent of a VM that registered before is, when it connects again. */
    @Override
    public AgentRole roleOf(String vmId) {
        return store.call(transaction -> transaction.vms().findById(vmId)
                .flatMap(vm -> transaction.catalog().brick(vm.brick()))
                .map(brick -> brick.capabilities().contains(Capability.CONTROLLER) ? AgentRole.CONTROLLER : AgentRole.STUB)
                .orElse(AgentRole.STUB));
    }

    @Override
    public void onConnected(String vmId) {
        LOG.fine(() -> "agent of " + vmId + " connected");
    }

    @Override
    public void onDisconnected(String vmId) {
        LOG.fine(() -> "agent of " + vmId + " disconnected");
        TunnelRelay relay = tunnels;
        if (relay != null) {
            relay.agentDisconnected(vmId);
        }
    }

    @Override
    public void onTunnelFrame(String vmId, TunnelFrame frame) {
        TunnelRelay relay = tunnels;
        if (relay != null) {
            relay.onFrame(vmId, frame);
        }
    }

    public boolean isConnected(String vmId) {
        return connections.isConnected(vmId);
    }

    /** A message from the agent of {@code vmId}, which the channel has authenticated. */
    @Override
    public void onMessage(String vmId, Message message) {
        switch (message) {
            case CommandResult result -> {
                CompletableFuture<CommandResult> waiting = pending.remove(vmId + "|" + result.commandId());
                if (waiting != null) {
                    waiting.complete(result);
                }
            }
            case StepReport report -> {
                ConstellationService service = constellations;
                if (service != null) {
                    service.recordStep(vmId, report);
                }
            }
            default -> LOG.fine(() -> "agent of " + vmId + " sent " + message.type());
        }
    }

    @Override
    public CommandResult execute(String vmId, ControllerCommand command) {
        String key = vmId + "|" + command.commandId();
        CompletableFuture<CommandResult> result = pending.computeIfAbsent(key, k -> new CompletableFuture<>());
        try {
            if (!connections.send(vmId, command)) {
                throw new AgentUnavailableException("not connected");
            }
            return result.get(commandTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AgentUnavailableException("no answer to " + command.kind() + " within " + commandTimeout.toSeconds()
                    + " s");
        } catch (AgentUnavailableException e) {
            throw e;
        } catch (ExecutionException | RuntimeException e) {
            throw new AgentUnavailableException("sending " + command.kind() + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentUnavailableException("interrupted");
        } finally {
            pending.remove(key, result);
        }
    }

    @Override
    public boolean deliver(String vmId, Message message) {
        return connections.send(vmId, message);
    }
}
