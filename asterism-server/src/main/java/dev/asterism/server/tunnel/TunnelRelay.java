package dev.asterism.server.tunnel;

import static java.util.Objects.requireNonNull;

import dev.asterism.core.constellation.ConstellationService;
import dev.asterism.core.constellation.Member;
import dev.asterism.core.constellation.MemberPhase;
import dev.asterism.core.error.AsterismException;
import dev.asterism.core.error.ErrorCode;
import dev.asterism.core.store.Store;
import dev.asterism.core.user.User;
import dev.asterism.core.vm.Vm;
import dev.asterism.protocol.tunnel.TunnelFrame;
import dev.asterism.protocol.tunnel.TunnelStream;
import dev.asterism.server.agent.AgentConnections;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The server's part of a tunnel: a user's connection (a WebSocket from {@code asterism connect}) on one side, the
 * member's agent on the other, joined over the agent channel by {@link TunnelFrame}s. The agent connects to the
 * member's own port; nothing else is reached.
 *
 * <p>Only the constellation's people (its owner is one) may open a tunnel, as in tiCrypt, where a system
 * administrator has no inherent access to a researcher's desktop; only to a READY member, only to a port the
 * server's {@link TunnelSettings} allow, and at most {@link TunnelSettings#perUser()} at once. Opening and closing
 * are audited on the constellation, the close with the bytes carried each way and the reason. A tunnel closes when
 * either side closes, when it is idle for {@link TunnelSettings#idleTimeout()}, when the agent disconnects or does
 * not answer, and when the server stops.
 */
public final class TunnelRelay implements AutoCloseable {

    /** What a tunnel reaches: checked by {@link #authorize} before the user's WebSocket is accepted. */
    /**
     * @param username the person it is for, who signs in to the member's desktop with their domain account
     * @param domain the constellation's domain, where that account is
     */
    public record Target(String constellation, String member, String vmId, int port, String username, String domain) {
        public Target {
            requireNonNull(constellation, "constellation is null");
            requireNonNull(member, "member is null");
            requireNonNull(vmId, "vmId is null");
            requireNonNull(username, "username is null");
            requireNonNull(domain, "domain is null");
        }

        /** The local port suggested for {@code asterism connect}: the same for a member every time. */
        public int suggestedLocalPort() {
            return 40000 + Math.floorMod((constellation + "/" + member + "/" + port).hashCode(), 20000);
        }

        /** The command that opens this tunnel on the suggested local port and writes the {@code .rdp} file. */
        public String command() {
            return "asterism connect " + constellation + " " + member + (port == 3389 ? "" : " --port " + port)
                    + " --local-port " + suggestedLocalPort() + " --rdp-file " + rdpFileName();
        }

        public String rdpFileName() {
            return constellation + "-" + member + ".rdp";
        }

        /**
         * An {@code .rdp} file that points a remote desktop client at the suggested local port, with the person's
         * domain account as the user to sign in as; the client asks for the password.
         */
        public String rdpFile() {
            return "full address:s:127.0.0.1:" + suggestedLocalPort() + "\r\n"
                    + "username:s:" + username + "\r\n"
                    + "domain:s:" + domain + "\r\n"
                    + "prompt for credentials:i:1\r\n"
                    + "administrative session:i:0\r\n";
        }
    }

    /** An open tunnel, as the panel and the tests see it. */
    public record OpenTunnel(int id, String username, Target target, Instant openedAt, long bytesToMember,
            long bytesFromMember) {}

    private static final Logger LOG = Logger.getLogger(TunnelRelay.class.getName());
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(15);

    private final Store store;
    private final ConstellationService constellations;
    private final AgentConnections agents;
    private final TunnelSettings settings;
    private final Clock clock;
    private final DesktopTickets tickets;
    private final Map<Integer, Tunnel> tunnels = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger(1);
    private final ScheduledExecutorService sweeper;

    public TunnelRelay(Store store, ConstellationService constellations, AgentConnections agents,
            TunnelSettings settings, Clock clock) {
        this.store = requireNonNull(store, "store is null");
        this.constellations = requireNonNull(constellations, "constellations is null");
        this.agents = requireNonNull(agents, "agents is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.tickets = new DesktopTickets(clock);
        this.sweeper = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("asterism-tunnel-sweeper").daemon().factory());
        long every = Math.max(100, Math.min(5_000, settings.idleTimeout().toMillis() / 4));
        sweeper.scheduleWithFixedDelay(this::closeIdle, every, every, TimeUnit.MILLISECONDS);
    }

    public TunnelSettings settings() {
        return settings;
    }

    /** The tickets of desktops in the browser: minted by the panel's desktop page, redeemed by its WebSocket. */
    public DesktopTickets tickets() {
        return tickets;
    }

    /**
     * Whether {@code caller} may open a tunnel to a member's port now, and where it leads.
     *
     * @throws AsterismException FORBIDDEN when the caller may not reach the member (the same answer whether the
     *     constellation exists or not), VALIDATION_FAILED for a port the server does not allow, CONFLICT when the
     *     member is not READY, AGENT_UNAVAILABLE when its agent is not connected to this server, TOO_MANY_REQUESTS
     *     when the caller has as many tunnels open as allowed
     */
    public Target authorize(User caller, String constellation, String member, int port) {
        requireNonNull(caller, "caller is null");
        if (!settings.ports().contains(port)) {
            throw AsterismException.invalid("port", "tunnels may reach port" + (settings.ports().size() == 1 ? " " : "s ")
                    + settings.ports().stream().map(String::valueOf).reduce((a, b) -> a + ", " + b).orElseThrow()
                    + " of a member, not " + port + " (the server's --tunnel-ports)");
        }
        ConstellationService.View view;
        try {
            view = constellations.show(caller, constellation);
        } catch (AsterismException hidden) {
            if (hidden.code() != ErrorCode.NOT_FOUND) {
                throw hidden;
            }
            throw refused(constellation);
        }
        if (!constellations.mayConnect(caller, constellation)) {
            throw refused(constellation);
        }
        Member found = view.members().stream().filter(candidate -> candidate.name().equals(member)).findFirst()
                .orElseThrow(() -> AsterismException.notFound("member", member));
        if (found.phase() != MemberPhase.READY || found.vmName() == null) {
            throw new AsterismException(ErrorCode.CONFLICT, "member '" + member + "' is not ready (it is in "
                    + found.phase() + "): connect once it is READY", Map.of("member", member));
        }
        Vm vm = store.call(transaction -> transaction.vms().find(found.vmName()))
                .orElseThrow(() -> new AsterismException(ErrorCode.CONFLICT, "member '" + member + "' has no VM"));
        if (!agents.isConnected(vm.id())) {
            throw new AsterismException(ErrorCode.AGENT_UNAVAILABLE, "the agent of member '" + member
                    + "' is not connected to this server: try again in a minute", Map.of("member", member));
        }
        requireRoomFor(caller);
        return new Target(constellation, member, vm.id(), port, caller.username(), view.constellation().domain());
    }

    /**
     * Opens a tunnel for an authorized caller: asks the member's agent to connect to the port; bytes the user sends
     * wait until it has. The user's end is closed, with the reason, when the tunnel ends.
     *
     * @throws AsterismException TOO_MANY_REQUESTS or AGENT_UNAVAILABLE, as in {@link #authorize}
     */
    public TunnelStream open(User caller, Target target, TunnelStream.Local user) {
        requireNonNull(target, "target is null");
        requireNonNull(user, "user is null");
        int id = nextId.getAndIncrement();
        Tunnel tunnel;
        synchronized (tunnels) {
            requireRoomFor(caller);
            tunnel = new Tunnel(id, caller.username(), target, clock.instant());
            tunnels.put(id, tunnel);
        }
        tunnel.stream = new TunnelStream(id, user, frame -> agents.send(target.vmId(), frame),
                TunnelStream.DEFAULT_WINDOW, reason -> closed(tunnel, reason));
        audit(caller.username(), "tunnel.opened", target, Map.of("tunnel", Integer.toString(id)));
        if (!agents.send(target.vmId(), TunnelFrame.open(id, target.port(), TunnelStream.DEFAULT_WINDOW))) {
            tunnel.stream.close("the agent of member '" + target.member() + "' is not connected");
            return tunnel.stream;
        }
        sweeper.schedule(() -> {
            if (!tunnel.opened && !tunnel.stream.isClosed()) {
                tunnel.stream.close("the agent of member '" + target.member() + "' did not answer within "
                        + OPEN_TIMEOUT.toSeconds() + " s");
            }
        }, OPEN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        return tunnel.stream;
    }

    /** A frame from a VM's agent. Frames for a tunnel of another VM are dropped: an agent speaks for itself only. */
    public void onFrame(String vmId, TunnelFrame frame) {
        Tunnel tunnel = tunnels.get(frame.tunnel());
        if (tunnel == null || !tunnel.target.vmId().equals(vmId) || tunnel.stream == null) {
            if (tunnel != null && !tunnel.target.vmId().equals(vmId)) {
                LOG.warning("the agent of VM " + vmId + " sent a frame for a tunnel of another VM; dropped");
            }
            return;
        }
        if (frame.kind() == TunnelFrame.Kind.OPENED) {
            tunnel.opened = true;
        }
        tunnel.stream.onFrame(frame);
    }

    /** A VM's agent disconnected: its tunnels end. */
    public void agentDisconnected(String vmId) {
        for (Tunnel tunnel : tunnels.values()) {
            if (tunnel.target.vmId().equals(vmId) && tunnel.stream != null) {
                tunnel.stream.close("the agent of member '" + tunnel.target.member() + "' disconnected");
            }
        }
    }

    /**
     * Closes every tunnel of {@code username}, into {@code constellation} only, or into every constellation when it
     * is null: the person was removed, or the user deleted.
     */
    public void closeTunnelsOf(String username, String constellation, String reason) {
        for (Tunnel tunnel : tunnels.values()) {
            if (tunnel.username.equals(username) && tunnel.stream != null
                    && (constellation == null || tunnel.target.constellation().equals(constellation))) {
                tunnel.stream.close(reason);
            }
        }
    }

    /** The tunnels open now. */
    public List<OpenTunnel> open() {
        return tunnels.values().stream().filter(tunnel -> tunnel.stream != null)
                .map(tunnel -> new OpenTunnel(tunnel.id, tunnel.username, tunnel.target, tunnel.openedAt,
                        tunnel.stream.bytesFromLocal(), tunnel.stream.bytesToLocal()))
                .toList();
    }

    /** Closes every tunnel (the server stops). */
    @Override
    public void close() {
        sweeper.shutdownNow();
        for (Tunnel tunnel : tunnels.values()) {
            if (tunnel.stream != null) {
                tunnel.stream.close("the server is stopping");
            }
        }
    }

    private void requireRoomFor(User caller) {
        long open = tunnels.values().stream().filter(tunnel -> tunnel.username.equals(caller.username())).count();
        if (open >= settings.perUser()) {
            throw new AsterismException(ErrorCode.TOO_MANY_REQUESTS, "you have " + open
                    + " tunnels open, the most this server allows per user: close one first",
                    Map.of("retryAfterSeconds", 5));
        }
    }

    private void closeIdle() {
        long now = System.nanoTime();
        long limit = settings.idleTimeout().toNanos();
        for (Tunnel tunnel : tunnels.values()) {
            TunnelStream stream = tunnel.stream;
            if (stream != null && now - stream.lastActivityNanos() > limit) {
                stream.close("idle for " + describe(settings.idleTimeout()));
            }
        }
    }

    private void closed(Tunnel tunnel, String reason) {
        if (tunnels.remove(tunnel.id) == null) {
            return;
        }
        Duration open = Duration.between(tunnel.openedAt, clock.instant());
        audit(tunnel.username, "tunnel.closed", tunnel.target, Map.of(
                "tunnel", Integer.toString(tunnel.id),
                "bytesToMember", Long.toString(tunnel.stream.bytesFromLocal()),
                "bytesFromMember", Long.toString(tunnel.stream.bytesToLocal()),
                "seconds", Long.toString(open.toSeconds()),
                "reason", reason));
    }

    private void audit(String username, String action, Target target, Map<String, String> details) {
        Map<String, String> all = new java.util.TreeMap<>(details);
        all.put("member", target.member());
        all.put("port", Integer.toString(target.port()));
        try {
            store.run(transaction -> transaction.audit().append(username, action,
                    "constellation:" + target.constellation(), all, clock.instant()));
        } catch (RuntimeException failure) {
            LOG.log(Level.SEVERE, "could not audit " + action + " of tunnel " + all.get("tunnel"), failure);
        }
    }

    private static AsterismException refused(String constellation) {
        return AsterismException.forbidden("you may not open tunnels into constellation '" + constellation
                + "': only its people may (or it does not exist); ask its owner to add you");
    }

    private static String describe(Duration duration) {
        return duration.toSeconds() % 60 == 0 ? duration.toMinutes() + " min" : duration.toSeconds() + " s";
    }

    private static final class Tunnel {
        final int id;
        final String username;
        final Target target;
        final Instant openedAt;
        volatile TunnelStream stream;
        volatile boolean opened;

        Tunnel(int id, String username, Target target, Instant openedAt) {
            this.id = id;
            this.username = username;
            this.target = target;
            this.openedAt = openedAt;
        }
    }
}
