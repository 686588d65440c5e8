package dev.asterism.agent;

import static java.util.Objects.requireNonNull;

import dev.asterism.agent.tunnel.GuestTunnels;
import dev.asterism.protocol.AgentRole;
import dev.asterism.protocol.CommandResult;
import dev.asterism.protocol.ControllerCommand;
import dev.asterism.protocol.Heartbeat;
import dev.asterism.protocol.Message;
import dev.asterism.protocol.Register;
import dev.asterism.protocol.Registered;
import dev.asterism.protocol.RegistrationRefused;
import dev.asterism.protocol.SealedBundle;
import dev.asterism.protocol.StepReport;
import dev.asterism.spi.guest.GuestPlatform;
import dev.asterism.spi.guest.Secret;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The agent in a VM, for the life of one connection to the server: registers a new stub, runs the join bundles a
 * stub gets, the commands of the controller and worker roles, and sends heartbeats. Everything it must not forget is
 * in its {@link AgentState}, so a new {@code Agent} on the same state (after a crash, a reconnect or a reboot)
 * continues where the last one stopped: it sends its last step report again and resumes a join bundle at its next
 * step, and a controller provisions its settings again.
 *
 * <p>Messages are handled one at a time, in the order they arrive, on the agent's own thread (or on the transport's
 * thread, see {@link AgentOptions#handleMessagesOnTransportThread()}). An agent stops when its registration is
 * refused, when a join step reboots the guest, when the channel closes, or when {@link #close()}d; then
 * {@link #stopped()} completes with the reason. No log line and no message holds the registration token, the
 * domain administrator password or a one-time password.
 */
public final class Agent implements AutoCloseable {

    /** Why an agent stopped. */
    public enum StopReason {
        /** The server refused the registration; the agent does not retry with the same token. */
        REGISTRATION_REFUSED,
        /** A join step rebooted the guest; a new agent on the same state resumes with the next step. */
        REBOOTED,
        /** The channel to the server closed; a new agent on the same state continues on a new channel. */
        CHANNEL_CLOSED,
        /** {@link #close()} was called. */
        CLOSED
    }

    /** How an agent stopped, with a message a person reads (the server's reason for a refusal). */
    public record Stop(StopReason reason, String message) {
        public Stop {
            requireNonNull(reason, "reason is null");
            requireNonNull(message, "message is null");
        }
    }

    private static final System.Logger LOG = System.getLogger(Agent.class.getName());

    private final AgentState state;
    private final GuestPlatform platform;
    private final AgentTransport transport;
    private final Clock clock;
    private final AgentOptions options;
    private final Commands commands;
    private final JoinBundleRunner joinBundles;
    private final GuestTunnels tunnels;
    private final ExecutorService handler;
    private final ReentrantLock handling = new ReentrantLock();
    private final ScheduledExecutorService heartbeats;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean heartbeatsStarted = new AtomicBoolean();
    private final CompletableFuture<Stop> stopped = new CompletableFuture<>();

    /** An agent with the {@linkplain AgentOptions#defaults() default options}. */
    public Agent(AgentState state, GuestPlatform platform, AgentTransport transport, Clock clock) {
        this(state, platform, transport, clock, AgentOptions.defaults());
    }

    public Agent(AgentState state, GuestPlatform platform, AgentTransport transport, Clock clock,
            AgentOptions options) {
        this.state = requireNonNull(state, "state is null");
        this.platform = requireNonNull(platform, "platform is null");
        this.transport = requireNonNull(transport, "transport is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.options = requireNonNull(options, "options is null");
        this.commands = new Commands(state, platform, clock, options);
        this.joinBundles = new JoinBundleRunner(state, platform, clock, options, this::send);
        this.tunnels = new GuestTunnels("127.0.0.1", transport::send);
        this.handler = options.handleMessagesOnTransportThread()
                ? null
                : Executors.newSingleThreadExecutor(Thread.ofVirtual().name("asterism-agent-", 0).factory());
        this.heartbeats = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("asterism-agent-heartbeat").daemon().factory());
    }

    /**
     * Opens the transport and begins: a stub that is not registered yet registers; a registered agent sends a
     * heartbeat and its last step report, and resumes its role's work.
     *
     * @throws IllegalStateException when started before
     * @throws java.io.UncheckedIOException when the transport cannot connect
     */
    public void start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("the agent was started before; make a new one on the same state");
        }
        transport.open(this::receive, tunnels::onFrame, this::channelClosed);
        submit(() -> {
            if (state.role().isEmpty()) {
                register();
            } else {
                continueAfterRestart();
            }
        });
    }

    /** Completes when the agent has stopped, with the reason. */
    public CompletableFuture<Stop> stopped() {
        return stopped;
    }

    /** The agent's durable state. */
    public AgentState state() {
        return state;
    }

    /** Stops the agent and closes its transport. The state stays as it is. */
    @Override
    public void close() {
        stop(StopReason.CLOSED, "the agent was closed");
        if (handler != null && !Thread.currentThread().isVirtual()) {
            try {
                if (!handler.awaitTermination(10, TimeUnit.SECONDS)) {
                    // A long wait (a script, a handshake) is cut; the state lets a new agent repeat it.
                    handler.shutdownNow();
                }
            } catch (InterruptedException interrupted) {
                handler.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- lifecycle ------------------------------------------------------------------------------------------

    private void register() {
        Optional<Secret> token = state.registrationToken();
        if (token.isEmpty()) {
            stop(StopReason.REGISTRATION_REFUSED, "the agent state of VM " + state.vmId()
                    + " has no registration token and no role; the VM needs new bootstrap data");
            return;
        }
        LOG.log(Level.INFO, "registering VM {0} with {1}", state.vmId(), state.serverUrl());
        send(new Register(state.vmId(), token.get().reveal(), state.publicKey(), options.agentVersion(),
                platform.osFamily().name().toLowerCase(Locale.ROOT)));
    }

    private void continueAfterRestart() {
        startHeartbeats();
        sendHeartbeat();
        state.lastStepReport().ifPresent(this::send);
        if (state.role().filter(AgentRole.CONTROLLER::equals).isPresent()) {
            try {
                commands.controller().reapply();
            } catch (RuntimeException failure) {
                // The server's next PROVISION_CONTROLLER reports it; a restart must not stop the agent.
                LOG.log(Level.WARNING, "provisioning the controller again after a restart failed: {0}",
                        failure.getMessage());
            }
        }
        if (joinBundles.resume() == JoinBundleRunner.Outcome.REBOOTED) {
            stop(StopReason.REBOOTED, "a join step rebooted the guest");
        }
    }

    private void stop(StopReason reason, String message) {
        if (!stopped.complete(new Stop(reason, message))) {
            return;
        }
        LOG.log(reason == StopReason.REGISTRATION_REFUSED ? Level.WARNING : Level.INFO,
                "agent of VM {0} stops ({1}): {2}", state.vmId(), reason, message);
        heartbeats.shutdownNow();
        tunnels.close();
        if (handler != null) {
            handler.shutdown();
        }
        transport.close();
    }

    private void channelClosed() {
        stop(StopReason.CHANNEL_CLOSED, "the channel to the server closed");
    }

    // ---- messages -------------------------------------------------------------------------------------------

    private void receive(Message message) {
        submit(() -> handle(message));
    }

    private void submit(Runnable work) {
        if (stopped.isDone()) {
            return;
        }
        Runnable guarded = () -> {
            handling.lock();
            try {
                if (!stopped.isDone()) {
                    work.run();
                }
            } catch (RuntimeException unexpected) {
                LOG.log(Level.ERROR, "the agent failed to handle a message", unexpected);
            } finally {
                handling.unlock();
            }
        };
        if (handler == null) {
            guarded.run();
            return;
        }
        try {
            handler.execute(guarded);
        } catch (RejectedExecutionException stoppedMeanwhile) {
            // The agent stopped between the check and the hand-over; the message is dropped with it.
        }
    }

    private void handle(Message message) {
        switch (message) {
            case Registered registered -> onRegistered(registered);
            case RegistrationRefused refused -> stop(StopReason.REGISTRATION_REFUSED, refused.reason());
            case SealedBundle bundle -> {
                LOG.log(Level.INFO, "join bundle {0} for member {1} arrived", bundle.bundleId(), bundle.memberName());
                if (joinBundles.accept(bundle) == JoinBundleRunner.Outcome.REBOOTED) {
                    stop(StopReason.REBOOTED, "a step of join bundle " + bundle.bundleId() + " rebooted the guest");
                }
            }
            case ControllerCommand command -> {
                CommandResult result = commands.execute(command);
                if (!result.ok()) {
                    LOG.log(Level.WARNING, "command {0} ({1}) failed: {2}", command.commandId(), command.kind(),
                            result.message());
                }
                send(result);
            }
            case Register ignored -> unexpected(message);
            case Heartbeat ignored -> unexpected(message);
            case StepReport ignored -> unexpected(message);
            case CommandResult ignored -> unexpected(message);
        }
    }

    private void onRegistered(Registered registered) {
        if (!registered.vmId().equals(state.vmId())) {
            LOG.log(Level.WARNING, "the server registered VM {0}, but this agent is VM {1}; ignored",
                    registered.vmId(), state.vmId());
            return;
        }
        if (state.registrationToken().isEmpty()) {
            // Registered already: the server renewed the client certificate, which the channel has stored.
            LOG.log(Level.INFO, "the server renewed the client certificate of VM {0}", state.vmId());
            return;
        }
        state.markRegistered(registered.role());
        LOG.log(Level.INFO, "VM {0} is registered with the role {1}", state.vmId(), registered.role().wireName());
        startHeartbeats();
    }

    private static void unexpected(Message message) {
        LOG.log(Level.WARNING, "the server sent a {0} message, which only agents send; ignored",
                message.type().wireName());
    }

    private void send(Message message) {
        try {
            transport.send(message);
        } catch (RuntimeException failure) {
            LOG.log(Level.WARNING, "could not send a {0} message: {1}", message.type().wireName(),
                    failure.getMessage());
        }
    }

    // ---- heartbeats -----------------------------------------------------------------------------------------

    private void startHeartbeats() {
        if (!heartbeatsStarted.compareAndSet(false, true)) {
            return;
        }
        long interval = options.heartbeatInterval().toMillis();
        try {
            heartbeats.scheduleAtFixedRate(this::sendHeartbeat, interval, interval, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stoppedMeanwhile) {
            // The agent stopped; no heartbeats then.
        }
    }

    private void sendHeartbeat() {
        if (!stopped.isDone()) {
            send(new Heartbeat(state.vmId(), clock.instant()));
        }
    }
}
