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
import dev.asterism.protocol.Registered;
import dev.asterism.protocol.RegistrationRefused;
import dev.asterism.protocol.StepReport;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * The server's end of the agent channel, whatever carries it (the TLS WebSocket endpoint for real VMs, an
 * in-memory link for the sim realm's agents). It decides registrations, routes commands to agents and their
 * results back, and hands step reports to onboarding. It never sees a domain secret: bundles arrive sealed.
 */
public final class AgentGateway implements AgentCommands {
    private static final Logger LOG = Logger.getLogger(AgentGateway.class.getName());

    private final Store store;
    private final VmService vms;
    private final Clock clock;
    private final Duration commandTimeout;
    private final Map<String, Consumer<Message>> links = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<CommandResult>> pending = new ConcurrentHashMap<>();
    private volatile ConstellationService constellations;

    public AgentGateway(Store store, VmService vms, Clock clock, Duration commandTimeout) {
        this.store = requireNonNull(store, "store is null");
        this.vms = requireNonNull(vms, "vms is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.commandTimeout = requireNonNull(commandTimeout, "commandTimeout is null");
    }

    /** Set once at wiring: onboarding and the gateway know each other. */
    public void reportStepsTo(ConstellationService service) {
        this.constellations = service;
    }

    /**
     * A registration: accepted once per VM with its one-time token. A controller brick's VM gets the controller
     * role; any other VM stays a stub until a join bundle arrives.
     */
    public Message register(Register register) {
        boolean accepted = vms.register(register.vmId(), register.registrationToken(), register.agentPublicKey());
        if (!accepted) {
            return new RegistrationRefused("this VM cannot register with that token (already used, wrong, or the VM"
                    + " is not waiting for its agent)");
        }
        return new Registered(register.vmId(), roleOf(register.vmId()), clock.instant());
    }

    /** What an agent of a VM that registered before is, when it connects again. */
    public AgentRole roleOf(String vmId) {
        return store.call(transaction -> transaction.vms().findById(vmId)
                .flatMap(vm -> transaction.catalog().brick(vm.brick()))
                .map(brick -> brick.capabilities().contains(Capability.CONTROLLER) ? AgentRole.CONTROLLER : AgentRole.STUB)
                .orElse(AgentRole.STUB));
    }

    /** A connection bound to a VM's agent, until {@link #disconnected}. */
    public void connected(String vmId, Consumer<Message> send) {
        links.put(vmId, send);
    }

    public void disconnected(String vmId, Consumer<Message> send) {
        links.remove(vmId, send);
    }

    public boolean isConnected(String vmId) {
        return links.containsKey(vmId);
    }

    /** A message from the agent of {@code vmId}, which the carrier has authenticated. */
    public void received(String vmId, Message message) {
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
        Consumer<Message> link = links.get(vmId);
        if (link == null) {
            throw new AgentUnavailableException("not connected");
        }
        String key = vmId + "|" + command.commandId();
        CompletableFuture<CommandResult> result = pending.computeIfAbsent(key, k -> new CompletableFuture<>());
        try {
            link.accept(command);
            return result.get(commandTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AgentUnavailableException("no answer to " + command.kind() + " within " + commandTimeout.toSeconds()
                    + " s");
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
        Consumer<Message> link = links.get(vmId);
        if (link == null) {
            return false;
        }
        try {
            link.accept(message);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
