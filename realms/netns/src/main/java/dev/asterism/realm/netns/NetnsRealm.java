package dev.asterism.realm.netns;

import static java.util.Objects.requireNonNull;

import dev.asterism.guest.linux.HostCommands;
import dev.asterism.guest.linux.LinuxGuestPlatformProvider;
import dev.asterism.guest.linux.NetnsHosts;
import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.realm.OsFamily;
import dev.asterism.spi.realm.PowerState;
import dev.asterism.spi.realm.Realm;
import dev.asterism.spi.realm.RealmCapability;
import dev.asterism.spi.realm.RealmException;
import dev.asterism.spi.realm.RealmException.Code;
import dev.asterism.spi.realm.RealmVm;
import dev.asterism.spi.realm.RealmVmSpec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code netns} realm: every VM is a lightweight Linux host of this machine ({@link NetnsHosts}), and its agent
 * runs inside it as a child JVM with the {@code linux} guest platform, restarted by a small supervisor loop when it
 * exits. Each network of the specs (a constellation) is a segment of its own with its own /24 in 10.210.0.0/16;
 * segments never reach each other, nor this machine's network. An agent reaches the server only through
 * {@link ChannelRelay}: inside its host, {@code socat} listens on the server URL's loopback port.
 *
 * <p>Hosts outlive the server process: a server that starts again finds them with {@link #list}, and their agents
 * reconnect as soon as the relay is back. At start the realm clears the debris of half-made hosts of its prefix;
 * whole hosts that the server no longer knows are left for its orphan handling, which destroys them.
 */
public final class NetnsRealm implements Realm {
    private static final Pattern VM_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,40}");
    private static final String AGENT_STATE = "/var/lib/asterism/agent";
    private static final String AGENT_BOOTSTRAP = "/var/lib/asterism/agent-bootstrap.properties";
    private static final String AGENT_LOG = "/var/lib/asterism/agent.log";
    /** Restarts the agent when it exits, but not after bad input (2), a refused registration (3) or SIGTERM (143). */
    private static final String AGENT_LOOP = """
            while :; do
              if [ -f %1$s/agent.properties ]; then rm -f %2$s; "$@" --state %1$s
              else "$@" --state %1$s --bootstrap %2$s; fi
              rc=$?
              case $rc in 2|3|143) exit $rc;; esac
              sleep 2
            done""".formatted(AGENT_STATE, AGENT_BOOTSTRAP);

    private final NetnsRealmOptions options;
    private final NetnsHosts hosts;
    private ChannelRelay relay;

    /**
     * @throws RealmException {@code UNAVAILABLE} when this machine cannot make hosts (not root, tools missing)
     */
    public NetnsRealm(NetnsRealmOptions options) {
        this.options = requireNonNull(options, "options is null");
        requireVisibleInHosts(options.agentCommand());
        this.hosts = new NetnsHosts(options.prefix());
        try {
            hosts.removeDebris();
        } catch (GuestException e) {
            throw new RealmException(Code.UNAVAILABLE, "the netns realm cannot start: " + e.getMessage()
                    + " (it needs root and: apt-get install iproute2 util-linux socat)", e);
        }
    }

    /**
     * Every host gets fresh, empty {@code /tmp} and {@code /run}: an agent program (or its Java) under them would be
     * missing in every host, and its VMs would wait for an agent that never starts.
     */
    private static void requireVisibleInHosts(List<String> agentCommand) {
        for (String argument : agentCommand) {
            for (String entry : argument.split(java.io.File.pathSeparator)) {
                if (entry.startsWith("-") || !entry.contains("/")) {
                    continue;
                }
                Path path = Path.of(entry).toAbsolutePath().normalize();
                if (path.startsWith("/tmp") || path.startsWith("/run")) {
                    throw new RealmException(Code.INVALID_SPEC, "the netns realm cannot run its agents from " + entry
                            + ": every host has its own empty /tmp and /run; run Asterism from another directory");
                }
            }
        }
    }

    /**
     * Carries the agents' connections to the server's agent port on 127.0.0.1 from now on (the server calls it once
     * its agent endpoint listens). Until then, agents retry.
     *
     * @throws RealmException {@code UNAVAILABLE} when the relay's socket cannot be made
     */
    public synchronized void relayTo(int agentPort) {
        if (relay != null) {
            relay.close();
        }
        try {
            relay = new ChannelRelay(hosts.channelDirectory().resolve("agent.sock"),
                    new InetSocketAddress("127.0.0.1", agentPort));
        } catch (IOException e) {
            throw new RealmException(Code.UNAVAILABLE, "cannot make the agents' relay socket in "
                    + hosts.channelDirectory() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String driver() {
        return "netns";
    }

    @Override
    public Set<RealmCapability> capabilities() {
        return Set.of();
    }

    @Override
    public synchronized RealmVm create(RealmVmSpec spec) {
        requireNonNull(spec, "spec is null");
        Optional<NetnsHosts.Host> existing = hosts.find(spec.vmId());
        if (existing.isPresent()) {
            return vmOf(existing.get());
        }
        if (!VM_ID.matcher(spec.vmId()).matches()) {
            throw new RealmException(Code.INVALID_SPEC, "the netns realm needs VM ids of 1 to 41 lower-case letters, "
                    + "digits and hyphens: '" + spec.vmId() + "'");
        }
        if (spec.osFamily() != OsFamily.LINUX) {
            throw new RealmException(Code.INVALID_SPEC, "the netns realm runs Linux guests only, not "
                    + spec.osFamily() + "; use the qemu or libvirt realm");
        }
        if (hosts.hostNames().size() >= options.maxVms()) {
            throw new RealmException(Code.NO_CAPACITY, "the netns realm holds its maximum of " + options.maxVms()
                    + " hosts; destroy one or raise --netns-max-vms");
        }
        String segment = segmentOf(spec.network());
        Ipv4Address address = allocate(segment);
        NetnsHosts.Host host;
        try {
            host = hosts.createHost(spec.vmId(), spec.hostName(), segment, address, 24);
        } catch (IllegalArgumentException e) {
            throw new RealmException(Code.INVALID_SPEC, e.getMessage());
        } catch (GuestException e) {
            throw new RealmException(Code.UNAVAILABLE, e.getMessage(), e);
        }
        if (!options.agentCommand().isEmpty()) {
            try {
                startAgent(host, spec);
            } catch (RuntimeException e) {
                hosts.destroyHost(spec.vmId());
                throw e instanceof RealmException realm ? realm
                        : new RealmException(Code.UNAVAILABLE, "cannot start the agent of " + spec.vmId() + ": "
                                + e.getMessage(), e);
            }
        }
        return vmOf(host);
    }

    @Override
    public Optional<RealmVm> inspect(String vmId) {
        return hosts.find(vmId).map(NetnsRealm::vmOf);
    }

    @Override
    public List<RealmVm> list() {
        return hosts.hosts().stream().map(NetnsRealm::vmOf).toList();
    }

    @Override
    public void stop(String vmId) {
        throw new RealmException(Code.UNSUPPORTED, "netns hosts cannot be stopped and started; destroy it instead");
    }

    @Override
    public void start(String vmId) {
        throw new RealmException(Code.UNSUPPORTED, "netns hosts cannot be stopped and started; destroy it instead");
    }

    @Override
    public synchronized void destroy(String vmId) {
        requireNonNull(vmId, "vmId is null");
        Optional<NetnsHosts.Host> host = hosts.find(vmId);
        try {
            hosts.destroyHost(vmId);
            if (host.isPresent() && hosts.hostsOn(host.get().segment()).isEmpty()) {
                hosts.destroySegment(host.get().segment());
            }
        } catch (GuestException e) {
            throw new RealmException(Code.UNAVAILABLE, "cannot destroy " + vmId + " yet: " + e.getMessage(), e);
        }
    }

    /** The processes running in a VM's host, for checks that nothing is left. */
    public List<Long> processes(String vmId) {
        return hosts.processes(vmId);
    }

    /** Runs commands inside a VM's host, for tests that act as a user of the guest. */
    public Optional<HostCommands> commandsIn(String vmId) {
        return hosts.find(vmId).map(NetnsHosts.Host::commands);
    }

    /** The command line that enters a VM's host as root ({@code nsenter ... --}), for people and the demo. */
    public Optional<String> enterCommand(String vmId) {
        return hosts.find(vmId).map(host -> "nsenter --net=/run/netns/" + host.namespace() + " --uts=" + host.uts()
                + " --mount=" + host.mount() + " --");
    }

    /** The hosts' machinery, for tests that check what the realm leaves behind. */
    public NetnsHosts hosts() {
        return hosts;
    }

    @Override
    public synchronized void close() {
        if (relay != null) {
            relay.close();
        }
    }

    private static RealmVm vmOf(NetnsHosts.Host host) {
        return new RealmVm(host.name(), PowerState.RUNNING, List.of(host.address().value()), "netns host "
                + host.namespace() + " on segment " + host.segment());
    }

    private void startAgent(NetnsHosts.Host host, RealmVmSpec spec) {
        URI server = URI.create(spec.bootstrap().serverUrl());
        if (!"127.0.0.1".equals(server.getHost()) && !"localhost".equals(server.getHost())) {
            throw new RealmException(Code.INVALID_SPEC, "the netns realm carries agents only to a server on this"
                    + " machine's loopback, not " + server.getHost() + "; serve the agent port on 127.0.0.1");
        }
        int port = server.getPort() < 0 ? 443 : server.getPort();
        HostCommands commands = host.commands();
        String bootstrap = "vmId=" + spec.vmId() + "\nserverUrl=" + spec.bootstrap().serverUrl() + "\ncaFingerprint="
                + spec.bootstrap().caFingerprint() + "\nregistrationToken=" + spec.bootstrap().registrationToken()
                + "\nplatform=linux\nhostName=" + spec.hostName() + "\nunderlayAddress=" + host.address().value() + "\n";
        commands.writeText(AGENT_BOOTSTRAP, bootstrap);
        detached(commands, List.of("socat", "TCP-LISTEN:" + port + ",bind=127.0.0.1,fork,reuseaddr",
                "UNIX-CONNECT:" + NetnsHosts.CHANNEL + "/agent.sock"), "/dev/null", Map.of());
        List<String> loop = new ArrayList<>(List.of("sh", "-c", AGENT_LOOP, "asterism-agent"));
        loop.addAll(options.agentCommand());
        Map<String, String> environment = new HashMap<>();
        options.provisionCache().ifPresent(cache -> environment.put(LinuxGuestPlatformProvider.PROVISION_CACHE, cache));
        // Every host's clock is this machine's: the constellation's time is followed, never set.
        environment.put(LinuxGuestPlatformProvider.SHARED_CLOCK, "true");
        detached(commands, loop, AGENT_LOG, environment);
    }

    /** Starts {@code command} in its own session inside the host, so that it outlives the call and the server. */
    private static void detached(HostCommands commands, List<String> command, String log, Map<String, String> environment) {
        List<String> argv = new ArrayList<>(List.of("sh", "-c", "exec setsid -f \"$@\" </dev/null >>" + log + " 2>&1",
                "sh"));
        argv.addAll(command);
        HostCommands.Result started = commands.run(argv, null, environment, Duration.ofSeconds(20));
        if (!started.succeeded()) {
            throw new RealmException(Code.UNAVAILABLE, "cannot start " + command.getFirst() + " in the host: "
                    + started.printed() + " (apt-get install " + (command.getFirst().equals("socat") ? "socat" : "util-linux")
                    + ")");
        }
    }

    /** The segment of a network: a short name derived from it, the same on every call and after restarts. */
    private static String segmentOf(String network) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(network.getBytes(StandardCharsets.UTF_8));
            return "n" + HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The next free address on {@code segment}: 10.210.S.N, S the segment's own /24, N from 10. */
    private Ipv4Address allocate(String segment) {
        Integer own = null;
        Set<Integer> takenSegments = new HashSet<>();
        Set<Integer> takenHosts = new HashSet<>();
        for (NetnsHosts.Host host : hosts.hosts()) {
            String[] octets = host.address().value().split("\\.");
            int third = Integer.parseInt(octets[2]);
            if (host.segment().equals(segment)) {
                own = third;
                takenHosts.add(Integer.parseInt(octets[3]));
            } else {
                takenSegments.add(third);
            }
        }
        int third = own != null ? own : firstFree(takenSegments, 1, 250, "segments");
        int fourth = firstFree(takenHosts, 10, 250, "hosts on one segment");
        return Ipv4Address.of("10.210." + third + "." + fourth);
    }

    private static int firstFree(Set<Integer> taken, int from, int to, String what) {
        for (int candidate = from; candidate <= to; candidate++) {
            if (!taken.contains(candidate)) {
                return candidate;
            }
        }
        throw new RealmException(Code.NO_CAPACITY, "the netns realm has no free address left for more " + what);
    }
}
