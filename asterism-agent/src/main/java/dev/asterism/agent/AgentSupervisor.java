package dev.asterism.agent;

import static java.util.Objects.requireNonNull;

import dev.asterism.agent.channel.AgentTlsIdentity;
import dev.asterism.agent.channel.WebSocketChannel;
import dev.asterism.spi.guest.GuestPlatform;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * Keeps one VM's agent running, as systemd keeps the agent process of a real VM: starts an {@link Agent} on the
 * saved state in its directory, and starts a new one when the last stopped because its channel closed or a join
 * step rebooted the guest. It ends when the server refuses the registration or it is closed. {@link #kill()}
 * stands for the agent process being killed: the running agent stops at once and a new one starts on the saved
 * state.
 */
public final class AgentSupervisor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AgentSupervisor.class.getName());

    private final Path directory;
    private final GuestPlatform platform;
    private final Supplier<String> serverUrl;
    private final Supplier<String> caFingerprint;
    private final Clock clock;
    private final Duration reconnectDelay;
    private final CompletableFuture<Agent.Stop> ended = new CompletableFuture<>();
    private volatile Agent agent;
    private volatile boolean closed;
    private volatile boolean killed;

    /**
     * @param directory the agent's state directory (made by {@link AgentState#create})
     * @param serverUrl where the agent channel is now (a restarted server may listen elsewhere)
     * @param caFingerprint the fingerprint of the server's agent CA, from the bootstrap data
     * @param reconnectDelay the pause before an agent is started again
     */
    public AgentSupervisor(Path directory, GuestPlatform platform, Supplier<String> serverUrl,
            Supplier<String> caFingerprint, Clock clock, Duration reconnectDelay) {
        this.directory = requireNonNull(directory, "directory is null");
        this.platform = requireNonNull(platform, "platform is null");
        this.serverUrl = requireNonNull(serverUrl, "serverUrl is null");
        this.caFingerprint = requireNonNull(caFingerprint, "caFingerprint is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.reconnectDelay = requireNonNull(reconnectDelay, "reconnectDelay is null");
    }

    /** Starts supervising on a virtual thread named {@code threadName}. */
    public AgentSupervisor start(String threadName) {
        Thread.ofVirtual().name(threadName).start(this::run);
        return this;
    }

    /** Completes with the last agent's stop when supervision ends: a refused registration, or {@link #close()}. */
    public CompletableFuture<Agent.Stop> ended() {
        return ended;
    }

    /** Kills the running agent; a new one starts on the saved state. False when no agent runs now. */
    public boolean kill() {
        Agent running = agent;
        if (running == null || closed) {
            return false;
        }
        killed = true;
        running.close();
        return true;
    }

    /** Stops the running agent and supervision. */
    @Override
    public void close() {
        closed = true;
        Agent running = agent;
        if (running != null) {
            running.close();
        }
    }

    private void run() {
        Agent.Stop last = new Agent.Stop(Agent.StopReason.CLOSED, "the supervisor was closed");
        try {
            while (!closed) {
                try {
                    AgentState state = AgentState.load(directory);
                    WebSocketChannel channel = new WebSocketChannel(URI.create(serverUrl.get()),
                            AgentTlsIdentity.loadOrCreate(directory, caFingerprint.get()));
                    Agent started = new Agent(state, platform, channel, clock, AgentOptions.defaults());
                    agent = started;
                    if (closed) {
                        break;
                    }
                    started.start();
                    last = started.stopped().get();
                    if (killed) {
                        killed = false;
                        pause(reconnectDelay);
                        continue;
                    }
                    switch (last.reason()) {
                        case REGISTRATION_REFUSED, CLOSED -> {
                            return;
                        }
                        case REBOOTED, CHANNEL_CLOSED -> pause(reconnectDelay);
                    }
                } catch (ExecutionException | RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, "the agent in " + directory + " failed, starting it again: "
                            + e.getMessage());
                    pause(reconnectDelay.multipliedBy(5));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ended.complete(last);
        }
    }

    private static void pause(Duration delay) throws InterruptedException {
        Thread.sleep(delay.toMillis());
    }
}
