package dev.asterism.guest.sim;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.ComputerAccount;
import dev.asterism.spi.guest.ClipboardRule;
import dev.asterism.spi.guest.ComputerName;
import dev.asterism.spi.guest.BatchNode;
import dev.asterism.spi.guest.BatchScheduler;
import dev.asterism.spi.guest.DomainController;
import dev.asterism.spi.guest.DomainMember;
import dev.asterism.spi.guest.DomainMembership;
import dev.asterism.spi.guest.DomainName;
import dev.asterism.spi.guest.Endpoint;
import dev.asterism.spi.guest.FileShare;
import dev.asterism.spi.guest.FileShareClient;
import dev.asterism.spi.guest.Firewall;
import dev.asterism.spi.guest.FirewallBaseline;
import dev.asterism.spi.guest.FirewallRule;
import dev.asterism.spi.guest.GuestCapability;
import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestException.Code;
import dev.asterism.spi.guest.GuestPlatform;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.Ipv4Subnet;
import dev.asterism.spi.guest.PortLease;
import dev.asterism.spi.guest.PortRange;
import dev.asterism.spi.guest.Power;
import dev.asterism.spi.guest.RemoteDesktop;
import dev.asterism.spi.guest.ScriptResult;
import dev.asterism.spi.guest.Scripts;
import dev.asterism.spi.guest.Secret;
import dev.asterism.spi.guest.VpnHub;
import dev.asterism.spi.guest.VpnPeer;
import dev.asterism.spi.guest.VpnPublicKey;
import dev.asterism.spi.guest.VpnSpoke;
import dev.asterism.spi.guest.VpnSpokeConfig;
import dev.asterism.spi.realm.OsFamily;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The in-memory guest platform: a guest OS that exists only in this object, on a {@link SimGuestNetwork}, with the
 * observable behaviour of the real ones. A supported platform, like the {@code sim} realm, not a test hack.
 *
 * <ul>
 *   <li>State is split as on a real guest: {@link SimDisk} (domain, computers, membership, baseline, VPN keys and
 *       peers, a persisted spoke configuration, shares) survives {@link #reboot()}; {@link SimMemory} (port leases,
 *       tracked connections, the live spoke configuration, handshakes) is lost by it.
 *   <li>A port lease expires by itself once the network's clock reaches its deadline: it is no longer listed and
 *       {@link #allows} answers false. Connections established through it stay until {@code closeLease} flushes
 *       them, as with conntrack on Linux.
 *   <li>A one-time password works exactly once: a reuse fails with {@code ALREADY_USED}, a wrong one with
 *       {@code INVALID}. A join needs the controller reachable on TCP 88 and 389 through its firewall.
 *   <li>A spoke's handshake happens when the hub holds the spoke's key with the spoke's overlay address, the spoke
 *       names the hub's key and listening port, and the hub's firewall lets the spoke's UDP in.
 *   <li>Scripts are read by a tiny shell: {@code echo} (with {@code $NAME} from the secret environment),
 *       {@code exit N}, {@code sleep SECONDS} (simulated: only counts against the timeout), {@code true},
 *       {@code false}, comments; anything else is "command not found" with status 127.
 * </ul>
 *
 * <p>Fault switches: {@link #failNext} makes the next call of an operation fail before it acts;
 * {@link #loseNextResponse} lets it act and then fail, as when the reply is lost; {@link #delayNext} makes it take
 * that long (really: the calling thread waits, as behind a slow guest command); {@link #neverHandshake} keeps
 * this guest's tunnels from ever completing a handshake. Thread-safe: all guests of a network share its lock.
 */
public final class SimGuestPlatform implements GuestPlatform {

    /** The name of this platform. */
    public static final String NAME = "sim";

    private static final List<PortRange> JOIN_PORTS = List.of(
            PortRange.tcp(53), PortRange.tcp(88), PortRange.tcp(135), PortRange.tcp(139), PortRange.tcp(389),
            PortRange.tcp(445), PortRange.tcp(464), PortRange.tcp(636), PortRange.tcp(3268, 3269),
            PortRange.tcp(49152, 65535), PortRange.udp(53), PortRange.udp(88), PortRange.udp(123),
            PortRange.udp(389), PortRange.udp(464), PortRange.icmpEcho());
    private static final Pattern USER_NAME = Pattern.compile("[a-z0-9._-]{1,20}");
    private static final Pattern SHARE_NAME = Pattern.compile("[A-Za-z0-9_-]{1,32}");
    private static final Pattern STEP_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{?([A-Za-z_][A-Za-z0-9_]*)}?");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SimGuestNetwork network;
    private final String hostName;
    private final Ipv4Address underlayAddress;
    private final Set<GuestCapability> capabilities;
    /** The parts the sim does not simulate, whatever a guest is said to have. */
    public static final Set<GuestCapability> WITHOUT =
            Collections.unmodifiableSet(EnumSet.of(GuestCapability.BATCH_SCHEDULER, GuestCapability.BATCH_NODE));

    /** Guarded by the network's lock. */
    private final SimDisk disk;
    /** Guarded by the network's lock; replaced by a reboot. */
    private SimMemory memory;
    /** Guarded by the network's lock. */
    private final Map<SimOperation, Deque<Fault>> faults = new EnumMap<>(SimOperation.class);
    /** Guarded by the network's lock. */
    private final Map<SimOperation, Deque<Duration>> delays = new EnumMap<>(SimOperation.class);
    /** Guarded by the network's lock. */
    private boolean neverHandshake;

    private final DomainController domainController = new SimDomainController();
    private final DomainMember domainMember = new SimDomainMember();
    private final RemoteDesktop remoteDesktop = new SimRemoteDesktop();
    private final Firewall firewall = new SimFirewall();
    private final VpnHub vpnHub = new SimVpnHub();
    private final VpnSpoke vpnSpoke = new SimVpnSpoke();
    private final FileShare fileShare = new SimFileShare();
    private final FileShareClient fileShareClient = new SimFileShareClient();
    private final Scripts scripts = new SimScripts();
    private final Power power = new SimPower();

    private record Fault(Code code, boolean beforeActing) {
    }

    SimGuestPlatform(
            SimGuestNetwork network, String hostName, Ipv4Address underlayAddress, Set<GuestCapability> capabilities) {
        this(network, hostName, underlayAddress, capabilities, new SimDisk(), new SimMemory());
    }

    /** A guest read back from its file, with the disk and memory it had. */
    SimGuestPlatform(SimGuestNetwork network, SimGuestFiles.Stored stored) {
        this(network, stored.identity().hostName(), stored.identity().underlayAddress(),
                stored.identity().capabilities(), stored.disk(), stored.memory());
    }

    private SimGuestPlatform(SimGuestNetwork network, String hostName, Ipv4Address underlayAddress,
            Set<GuestCapability> capabilities, SimDisk disk, SimMemory memory) {
        this.disk = disk;
        this.memory = memory;
        this.network = network;
        this.hostName = hostName;
        this.underlayAddress = underlayAddress;
        EnumSet<GuestCapability> declared = capabilities.isEmpty()
                ? EnumSet.noneOf(GuestCapability.class) : EnumSet.copyOf(capabilities);
        declared.removeAll(WITHOUT);
        this.capabilities = Collections.unmodifiableSet(declared);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public OsFamily osFamily() {
        return OsFamily.LINUX;
    }

    @Override
    public Set<GuestCapability> capabilities() {
        return capabilities;
    }

    /** The guest's host name, as given to the network. */
    public String hostName() {
        return hostName;
    }

    /** The guest's address on the network's underlay. */
    public Ipv4Address underlayAddress() {
        return underlayAddress;
    }

    @Override
    public DomainController domainController() {
        return part(GuestCapability.DOMAIN_CONTROLLER, domainController);
    }

    @Override
    public DomainMember domainMember() {
        return part(GuestCapability.DOMAIN_MEMBER, domainMember);
    }

    @Override
    public Firewall firewall() {
        return part(GuestCapability.FIREWALL, firewall);
    }

    @Override
    public VpnHub vpnHub() {
        return part(GuestCapability.VPN_HUB, vpnHub);
    }

    @Override
    public VpnSpoke vpnSpoke() {
        return part(GuestCapability.VPN_SPOKE, vpnSpoke);
    }

    @Override
    public FileShare fileShare() {
        return part(GuestCapability.FILE_SHARE, fileShare);
    }

    @Override
    public FileShareClient fileShareClient() {
        return part(GuestCapability.FILE_SHARE_CLIENT, fileShareClient);
    }

    @Override
    public RemoteDesktop remoteDesktop() {
        return part(GuestCapability.REMOTE_DESKTOP, remoteDesktop);
    }

    /** The sim has no batch scheduler: Slurm runs on real guests only. */
    @Override
    public BatchScheduler batchScheduler() {
        throw new GuestException(Code.UNSUPPORTED, "the sim guest " + hostName + " has no batch scheduler (Slurm"
                + " runs on real Linux guests only)");
    }

    /** The sim has no batch node: Slurm runs on real guests only. */
    @Override
    public BatchNode batchNode() {
        throw new GuestException(Code.UNSUPPORTED, "the sim guest " + hostName + " is no batch node (Slurm runs on"
                + " real Linux guests only)");
    }

    @Override
    public Scripts scripts() {
        return scripts;
    }

    @Override
    public Power power() {
        return power;
    }

    /** Reboots this guest: {@link Power#reboot()}. */
    public void reboot() {
        power.reboot();
    }

    // ---- fault switches -------------------------------------------------------------------------------------

    /** Makes the next call of {@code operation} fail with {@code code} before it changes anything. */
    public void failNext(SimOperation operation, Code code) {
        requireNonNull(operation, "operation is null");
        requireNonNull(code, "code is null");
        synchronized (network.lock) {
            faults.computeIfAbsent(operation, ignored -> new ArrayDeque<>()).add(new Fault(code, true));
        }
    }

    /**
     * Makes the next call of {@code operation} do its work and then fail with {@code UNAVAILABLE}, as when the
     * guest acted but its answer was lost; the caller's retry must then cope with the work being done.
     */
    public void loseNextResponse(SimOperation operation) {
        requireNonNull(operation, "operation is null");
        synchronized (network.lock) {
            faults.computeIfAbsent(operation, ignored -> new ArrayDeque<>()).add(new Fault(Code.UNAVAILABLE, false));
        }
    }

    /**
     * Makes the next call of {@code operation} wait {@code delay} before it acts, without holding the network's
     * lock, so that a caller's timeout can pass while the guest still does the work.
     */
    public void delayNext(SimOperation operation, Duration delay) {
        requireNonNull(operation, "operation is null");
        requireNonNull(delay, "delay is null");
        synchronized (network.lock) {
            delays.computeIfAbsent(operation, ignored -> new ArrayDeque<>()).add(delay);
        }
    }

    /** A domain user signs in to this guest's desktop, as an RDP client would make them. Observed by sessions(). */
    public void startDesktopSession(String userName) {
        String name = requireUserName(userName);
        synchronized (network.lock) {
            memory.desktopSessions.add(name);
        }
    }

    /** While {@code never} is true, no tunnel of this guest (as hub or as spoke) completes a handshake. */
    public void neverHandshake(boolean never) {
        synchronized (network.lock) {
            neverHandshake = never;
        }
    }

    /** Clears every pending fault and lets handshakes happen again. */
    public void clearFaults() {
        synchronized (network.lock) {
            faults.clear();
            delays.clear();
            neverHandshake = false;
        }
    }

    // ---- observation for tests and invariant checks ---------------------------------------------------------

    /** The port leases open now (expired ones do not count). */
    public int openLeaseCount() {
        synchronized (network.lock) {
            return liveLeases().size();
        }
    }

    /** The peers configured on this guest's VPN hub. */
    public int peerCount() {
        synchronized (network.lock) {
            return disk.peers.size();
        }
    }

    /** The computer accounts of this guest's domain. */
    public int computerCount() {
        synchronized (network.lock) {
            return disk.computers.size();
        }
    }

    /** The connections this guest's connection tracking holds (established inbound connections). */
    public int establishedConnectionCount() {
        synchronized (network.lock) {
            return memory.connections.size();
        }
    }

    /**
     * Whether this guest's firewall lets in a new connection from {@code source} on {@code protocol}/{@code port}
     * now: without a baseline everything is let in; with one, its rules and the live leases decide.
     */
    public boolean allows(Ipv4Address source, PortRange.Protocol protocol, int port) {
        requireNonNull(source, "source is null");
        requireNonNull(protocol, "protocol is null");
        synchronized (network.lock) {
            return allowsLocked(source, protocol, port);
        }
    }

    /**
     * Opens a connection from this guest to {@code address} (underlay or overlay) on {@code protocol}/{@code port},
     * as a test's connectivity probe. The receiver tracks it until a lease close flushes it or it reboots.
     *
     * @return whether the connection was let in
     */
    public boolean connect(Ipv4Address address, PortRange.Protocol protocol, int port) {
        requireNonNull(address, "address is null");
        requireNonNull(protocol, "protocol is null");
        synchronized (network.lock) {
            return network.connect(this, address, protocol, port);
        }
    }

    /** The address a test or another guest reaches this guest at on the overlay, when it is on a hub. */
    public Optional<Ipv4Address> overlayAddress() {
        synchronized (network.lock) {
            if (disk.hub != null) {
                return Optional.of(disk.hub.overlayAddress());
            }
            return spokeHandshake().map(ignored -> memory.spokeConfig.overlayAddress());
        }
    }

    // ---- internals, all guarded by the network's lock --------------------------------------------------------

    private <T> T part(GuestCapability capability, T part) {
        if (!capabilities.contains(capability)) {
            throw new GuestException(Code.UNSUPPORTED, "the sim guest " + hostName + " has no " + capability);
        }
        return part;
    }

    private <T> T operate(SimOperation operation, Supplier<T> action) {
        Duration delay;
        synchronized (network.lock) {
            Deque<Duration> pendingDelays = delays.get(operation);
            delay = pendingDelays == null ? null : pendingDelays.poll();
        }
        if (delay != null) {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GuestException(Code.UNAVAILABLE, operation + " on " + hostName + " was interrupted");
            }
        }
        synchronized (network.lock) {
            Deque<Fault> pending = faults.get(operation);
            Fault fault = pending == null ? null : pending.poll();
            if (fault != null && fault.beforeActing()) {
                throw new GuestException(fault.code(), "injected failure of " + operation + " on " + hostName);
            }
            T result;
            try {
                result = action.get();
            } finally {
                if (operation.changesState()) {
                    network.saved(this);
                }
            }
            if (fault != null) {
                throw new GuestException(fault.code(), "the answer to " + operation + " on " + hostName + " was lost");
            }
            return result;
        }
    }

    private void act(SimOperation operation, Runnable action) {
        operate(operation, () -> {
            action.run();
            return null;
        });
    }

    private Instant now() {
        return network.clock().instant();
    }

    private List<PortLease> liveLeases() {
        Instant now = now();
        memory.leases.values().removeIf(lease -> {
            boolean expired = !now.isBefore(lease.expiresAt());
            if (expired) {
                memory.expiredLeaseSources.put(lease.leaseId(), lease.source());
            }
            return expired;
        });
        return List.copyOf(memory.leases.values());
    }

    private boolean allowsLocked(Ipv4Address source, PortRange.Protocol protocol, int port) {
        if (disk.baseline == null) {
            return true;
        }
        for (FirewallRule rule : disk.baseline.rules()) {
            if (rule.sources().contains(source) && rule.ports().covers(protocol, port)) {
                return true;
            }
        }
        return liveLeases().stream()
                .anyMatch(lease -> lease.source().equals(source) && PortRange.anyCovers(lease.ports(), protocol, port));
    }

    private void flushConnectionsFrom(Ipv4Address source) {
        memory.connections.removeIf(connection -> connection.source().equals(source));
    }

    /** Writes this guest to {@code file}. Guarded by the network's lock. */
    void writeTo(Path file) {
        SimGuestFiles.write(file, new SimGuestFiles.Identity(hostName, underlayAddress, capabilities), disk, memory);
    }

    /** The receiving side of {@link SimGuestNetwork#connect}. */
    boolean acceptConnection(Ipv4Address source, PortRange.Protocol protocol, int port) {
        if (!allowsLocked(source, protocol, port)) {
            return false;
        }
        memory.connections.add(new SimMemory.Connection(source, protocol, port));
        return true;
    }

    /** This guest's hub: itself when it is a hub, the hub of its spoke after a handshake, else empty. */
    Optional<SimGuestPlatform> connectedHub() {
        if (disk.hub != null) {
            return Optional.of(this);
        }
        return spokeHandshake().flatMap(ignored -> network.guestAt(memory.spokeConfig.hubEndpoint().address()));
    }

    /** Evaluates whether the live spoke configuration has a handshake, and remembers when it was first seen. */
    private Optional<Instant> spokeHandshake() {
        VpnSpokeConfig config = memory.spokeConfig;
        if (config == null || neverHandshake || !tunnelCompletes(config)) {
            memory.spokeHandshake = null;
            return Optional.empty();
        }
        if (memory.spokeHandshake == null) {
            memory.spokeHandshake = now();
        }
        return Optional.of(memory.spokeHandshake);
    }

    private boolean tunnelCompletes(VpnSpokeConfig config) {
        Optional<SimGuestPlatform> found = network.guestAt(config.hubEndpoint().address());
        if (found.isEmpty()) {
            return false;
        }
        SimGuestPlatform hub = found.get();
        SimDisk.HubInterface hubInterface = hub.disk.hub;
        if (hub.neverHandshake || hubInterface == null) {
            return false;
        }
        SimDisk.Peer peer = hub.disk.peers.get(disk.spokeKey);
        return hubInterface.publicKey().equals(config.hubPublicKey())
                && hubInterface.listenPort() == config.hubEndpoint().port()
                && peer != null
                && peer.overlayAddress().equals(config.overlayAddress())
                && hub.allowsLocked(underlayAddress, PortRange.Protocol.UDP, hubInterface.listenPort());
    }

    private Optional<Instant> hubHandshakeWith(VpnPublicKey peerKey) {
        for (SimGuestPlatform guest : network.guestsLocked()) {
            if (peerKey.equals(guest.disk.spokeKey) && guest.memory.spokeConfig != null
                    && guest.memory.spokeConfig.hubEndpoint().address().equals(underlayAddress)) {
                Optional<Instant> handshake = guest.spokeHandshake();
                if (handshake.isPresent()) {
                    return handshake;
                }
            }
        }
        return Optional.empty();
    }

    private static VpnPublicKey newKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return new VpnPublicKey(Base64.getEncoder().encodeToString(key));
    }

    private static void requireComplex(Secret password, String what) {
        String value = password.reveal();
        int classes = 0;
        classes += value.chars().anyMatch(Character::isLowerCase) ? 1 : 0;
        classes += value.chars().anyMatch(Character::isUpperCase) ? 1 : 0;
        classes += value.chars().anyMatch(Character::isDigit) ? 1 : 0;
        classes += value.chars().anyMatch(c -> !Character.isLetterOrDigit(c)) ? 1 : 0;
        if (value.length() < 8 || classes < 3) {
            throw new GuestException(Code.INVALID, what + " must have at least 8 characters from three of: lower "
                    + "case, upper case, digits, other characters");
        }
    }

    private DomainName requireDomain() {
        if (disk.domain == null) {
            throw new GuestException(Code.NOT_FOUND, "no domain is provisioned on " + hostName);
        }
        return disk.domain;
    }

    private static String requireUserName(String userName) {
        requireNonNull(userName, "userName is null");
        String normalized = userName.toLowerCase(Locale.ROOT);
        if (!USER_NAME.matcher(normalized).matches()) {
            throw new GuestException(Code.INVALID,
                    "user name '" + userName + "' must be 1 to 20 letters, digits, dots, hyphens and underscores");
        }
        return normalized;
    }

    private boolean reaches(Ipv4Address address, PortRange.Protocol protocol, int port) {
        return network.connect(this, address, protocol, port);
    }

    // ---- the parts ------------------------------------------------------------------------------------------

    private final class SimDomainController implements DomainController {

        @Override
        public void provision(DomainName domain, Secret administratorPassword) {
            requireNonNull(domain, "domain is null");
            requireNonNull(administratorPassword, "administratorPassword is null");
            act(SimOperation.PROVISION, () -> {
                if (disk.domain != null) {
                    if (!disk.domain.equals(domain)) {
                        throw new GuestException(Code.CONFLICT, "this guest is the controller of " + disk.domain
                                + " already and cannot provision " + domain);
                    }
                    return;
                }
                requireComplex(administratorPassword, "the administrator password");
                disk.domain = domain;
                disk.administratorPassword = administratorPassword;
            });
        }

        @Override
        public Optional<DomainName> provisionedDomain() {
            synchronized (network.lock) {
                return Optional.ofNullable(disk.domain);
            }
        }

        @Override
        public List<PortRange> joinPorts() {
            return JOIN_PORTS;
        }

        @Override
        public void presetComputer(ComputerName computerName, Secret oneTimePassword) {
            requireNonNull(computerName, "computerName is null");
            requireNonNull(oneTimePassword, "oneTimePassword is null");
            act(SimOperation.PRESET_COMPUTER, () -> {
                requireDomain();
                if (oneTimePassword.reveal().length() < 8) {
                    throw new GuestException(Code.INVALID, "a one-time password needs at least 8 characters");
                }
                disk.computers.put(computerName, new SimDisk.Computer(oneTimePassword));
            });
        }

        @Override
        public boolean verifyJoin(ComputerName computerName) {
            requireNonNull(computerName, "computerName is null");
            return operate(SimOperation.VERIFY_JOIN, () -> {
                requireDomain();
                SimDisk.Computer computer = disk.computers.get(computerName);
                return computer != null && computer.passwordUsed;
            });
        }

        @Override
        public void removeComputer(ComputerName computerName) {
            requireNonNull(computerName, "computerName is null");
            act(SimOperation.REMOVE_COMPUTER, () -> disk.computers.remove(computerName));
        }

        @Override
        public List<ComputerAccount> computers() {
            return operate(SimOperation.LIST_COMPUTERS, () -> disk.computers.entrySet().stream()
                    .map(entry -> new ComputerAccount(entry.getKey(), entry.getValue().passwordUsed))
                    .toList());
        }

        @Override
        public void createUser(String userName, Secret password) {
            String name = requireUserName(userName);
            requireNonNull(password, "password is null");
            act(SimOperation.CREATE_USER, () -> {
                requireDomain();
                requireComplex(password, "the password of " + name);
                disk.users.put(name, password);
            });
        }

        @Override
        public void removeUser(String userName) {
            String name = requireUserName(userName);
            act(SimOperation.REMOVE_USER, () -> {
                requireDomain();
                disk.users.remove(name);
                disk.groups.values().forEach(members -> members.remove(name));
            });
        }

        @Override
        public List<String> users() {
            synchronized (network.lock) {
                return List.copyOf(disk.users.keySet());
            }
        }

        @Override
        public void addToGroup(String groupName, String userName) {
            String group = requireUserName(groupName);
            String name = requireUserName(userName);
            act(SimOperation.ADD_TO_GROUP, () -> {
                requireDomain();
                if (!disk.users.containsKey(name)) {
                    throw new GuestException(Code.NOT_FOUND, "no domain user " + name);
                }
                disk.groups.computeIfAbsent(group, ignored -> new java.util.TreeSet<>()).add(name);
            });
        }

        @Override
        public List<String> groupMembers(String groupName) {
            String group = requireUserName(groupName);
            synchronized (network.lock) {
                return List.copyOf(disk.groups.getOrDefault(group, new java.util.TreeSet<>()));
            }
        }
    }

    private final class SimRemoteDesktop implements RemoteDesktop {

        @Override
        public void enable(int port) {
            if (port < 1 || port > 65535) {
                throw new GuestException(Code.INVALID, "a remote desktop port is 1 to 65535, not " + port);
            }
            act(SimOperation.ENABLE_REMOTE_DESKTOP, () -> disk.remoteDesktopPort = port);
        }

        @Override
        public void restrictClipboard(ClipboardRule rule) {
            requireNonNull(rule, "rule is null");
            act(SimOperation.RESTRICT_CLIPBOARD, () -> disk.clipboardRule = rule);
        }

        @Override
        public ClipboardRule clipboardRule() {
            synchronized (network.lock) {
                return disk.clipboardRule;
            }
        }

        @Override
        public Optional<Integer> listeningPort() {
            synchronized (network.lock) {
                return Optional.ofNullable(disk.remoteDesktopPort);
            }
        }

        @Override
        public void endSessions(String userName) {
            String name = requireUserName(userName);
            act(SimOperation.END_SESSIONS, () -> memory.desktopSessions.remove(name));
        }

        @Override
        public List<String> sessions() {
            synchronized (network.lock) {
                return List.copyOf(memory.desktopSessions);
            }
        }
    }

    private final class SimDomainMember implements DomainMember {

        @Override
        public void join(
                DomainName domain, Ipv4Address controllerAddress, ComputerName computerName, Secret oneTimePassword) {
            requireNonNull(domain, "domain is null");
            requireNonNull(controllerAddress, "controllerAddress is null");
            requireNonNull(computerName, "computerName is null");
            requireNonNull(oneTimePassword, "oneTimePassword is null");
            act(SimOperation.JOIN, () -> {
                DomainMembership current = disk.membership;
                if (current != null) {
                    if (current.domain().equals(domain) && current.computerName().equals(computerName)) {
                        return;
                    }
                    throw new GuestException(Code.CONFLICT, hostName + " is joined to " + current.domain() + " as "
                            + current.computerName() + " already");
                }
                Optional<SimGuestPlatform> controller = network.reachableAt(SimGuestPlatform.this, controllerAddress);
                if (controller.isEmpty() || !reaches(controllerAddress, PortRange.Protocol.TCP, 389)
                        || !reaches(controllerAddress, PortRange.Protocol.TCP, 88)) {
                    throw new GuestException(Code.UNAVAILABLE, "the domain controller at " + controllerAddress
                            + " cannot be reached from " + underlayAddress + " on TCP 88 and 389; are the join ports"
                            + " open for this address?");
                }
                SimDisk controllerDisk = controller.get().disk;
                if (!domain.equals(controllerDisk.domain)) {
                    throw new GuestException(Code.NOT_FOUND,
                            "the controller at " + controllerAddress + " does not serve the domain " + domain);
                }
                SimDisk.Computer computer = controllerDisk.computers.get(computerName);
                if (computer == null) {
                    throw new GuestException(Code.NOT_FOUND,
                            "the domain " + domain + " has no preset computer " + computerName);
                }
                if (computer.passwordUsed) {
                    throw new GuestException(Code.ALREADY_USED, "the one-time password of computer " + computerName
                            + " has been used already; preset the computer again");
                }
                if (!computer.oneTimePassword.matches(oneTimePassword)) {
                    throw new GuestException(Code.INVALID,
                            "the one-time password for computer " + computerName + " is wrong");
                }
                computer.passwordUsed = true;
                network.saved(controller.get());
                disk.membership = new DomainMembership(domain, computerName, controllerAddress);
            });
        }

        @Override
        public void useController(Ipv4Address controllerAddress) {
            requireNonNull(controllerAddress, "controllerAddress is null");
            act(SimOperation.USE_CONTROLLER, () -> {
                DomainMembership current = disk.membership;
                if (current == null) {
                    throw new GuestException(Code.NOT_FOUND, hostName + " has not joined a domain");
                }
                disk.membership = new DomainMembership(current.domain(), current.computerName(), controllerAddress);
            });
        }

        @Override
        public Optional<DomainMembership> membership() {
            synchronized (network.lock) {
                return Optional.ofNullable(disk.membership);
            }
        }
    }

    private final class SimFirewall implements Firewall {

        @Override
        public void applyBaseline(FirewallBaseline baseline) {
            requireNonNull(baseline, "baseline is null");
            act(SimOperation.APPLY_BASELINE, () -> disk.baseline = baseline);
        }

        @Override
        public Optional<FirewallBaseline> baseline() {
            synchronized (network.lock) {
                return Optional.ofNullable(disk.baseline);
            }
        }

        @Override
        public void openLease(String leaseId, Ipv4Address source, List<PortRange> ports, Instant expiresAt) {
            requireNonNull(leaseId, "leaseId is null");
            requireNonNull(source, "source is null");
            requireNonNull(ports, "ports is null");
            requireNonNull(expiresAt, "expiresAt is null");
            act(SimOperation.OPEN_LEASE, () -> {
                PortLease lease;
                try {
                    lease = new PortLease(leaseId, source, ports, expiresAt);
                } catch (IllegalArgumentException e) {
                    throw new GuestException(Code.INVALID, e.getMessage(), e);
                }
                if (!expiresAt.isAfter(now())) {
                    throw new GuestException(Code.INVALID,
                            "lease " + leaseId + " would expire at " + expiresAt + ", which is not in the future");
                }
                memory.expiredLeaseSources.remove(leaseId);
                memory.leases.put(leaseId, lease);
            });
        }

        @Override
        public void closeLease(String leaseId) {
            requireNonNull(leaseId, "leaseId is null");
            act(SimOperation.CLOSE_LEASE, () -> {
                liveLeases();
                PortLease lease = memory.leases.remove(leaseId);
                Ipv4Address expiredSource = memory.expiredLeaseSources.remove(leaseId);
                if (lease != null) {
                    flushConnectionsFrom(lease.source());
                }
                if (expiredSource != null) {
                    flushConnectionsFrom(expiredSource);
                }
            });
        }

        @Override
        public List<PortLease> openLeases() {
            return operate(SimOperation.LIST_LEASES, SimGuestPlatform.this::liveLeases);
        }
    }

    private final class SimVpnHub implements VpnHub {

        @Override
        public VpnPublicKey ensureInterface(Ipv4Address overlayAddress, Ipv4Subnet overlaySubnet, int listenPort) {
            requireNonNull(overlayAddress, "overlayAddress is null");
            requireNonNull(overlaySubnet, "overlaySubnet is null");
            return operate(SimOperation.ENSURE_HUB, () -> {
                if (!overlaySubnet.contains(overlayAddress)) {
                    throw new GuestException(Code.INVALID,
                            "the hub address " + overlayAddress + " is outside the overlay " + overlaySubnet);
                }
                if (listenPort < 1 || listenPort > 65535) {
                    throw new GuestException(Code.INVALID, "listen port must be 1 to 65535: " + listenPort);
                }
                VpnPublicKey key = disk.hub == null ? newKey() : disk.hub.publicKey();
                disk.hub = new SimDisk.HubInterface(key, overlayAddress, overlaySubnet, listenPort);
                return key;
            });
        }

        @Override
        public Optional<VpnPublicKey> publicKey() {
            synchronized (network.lock) {
                return Optional.ofNullable(disk.hub).map(SimDisk.HubInterface::publicKey);
            }
        }

        @Override
        public void addPeer(VpnPublicKey publicKey, Ipv4Address overlayAddress, Optional<Endpoint> endpoint) {
            requireNonNull(publicKey, "publicKey is null");
            requireNonNull(overlayAddress, "overlayAddress is null");
            requireNonNull(endpoint, "endpoint is null");
            act(SimOperation.ADD_PEER, () -> {
                SimDisk.HubInterface hub = disk.hub;
                if (hub == null) {
                    throw new GuestException(Code.NOT_FOUND, "the VPN hub interface on " + hostName + " is not set up");
                }
                if (!hub.overlaySubnet().contains(overlayAddress) || hub.overlayAddress().equals(overlayAddress)) {
                    throw new GuestException(Code.INVALID, "peer address " + overlayAddress
                            + " must be in " + hub.overlaySubnet() + " and not the hub's own");
                }
                for (Map.Entry<VpnPublicKey, SimDisk.Peer> other : disk.peers.entrySet()) {
                    if (!other.getKey().equals(publicKey) && other.getValue().overlayAddress().equals(overlayAddress)) {
                        throw new GuestException(Code.CONFLICT,
                                "overlay address " + overlayAddress + " belongs to another peer");
                    }
                }
                disk.peers.put(publicKey, new SimDisk.Peer(overlayAddress, endpoint));
            });
        }

        @Override
        public void removePeer(VpnPublicKey publicKey) {
            requireNonNull(publicKey, "publicKey is null");
            act(SimOperation.REMOVE_PEER, () -> disk.peers.remove(publicKey));
        }

        @Override
        public List<VpnPeer> peers() {
            return operate(SimOperation.LIST_PEERS, () -> {
                List<VpnPeer> peers = new ArrayList<>(disk.peers.size());
                for (Map.Entry<VpnPublicKey, SimDisk.Peer> entry : disk.peers.entrySet()) {
                    peers.add(new VpnPeer(entry.getKey(), entry.getValue().overlayAddress(),
                            entry.getValue().endpoint(), hubHandshakeWith(entry.getKey())));
                }
                return peers;
            });
        }
    }

    private final class SimVpnSpoke implements VpnSpoke {

        @Override
        public VpnPublicKey ensureInterface() {
            return operate(SimOperation.ENSURE_SPOKE, () -> {
                if (disk.spokeKey == null) {
                    disk.spokeKey = newKey();
                }
                return disk.spokeKey;
            });
        }

        @Override
        public void configure(VpnSpokeConfig config) {
            requireNonNull(config, "config is null");
            act(SimOperation.CONFIGURE_SPOKE, () -> {
                if (disk.spokeKey == null) {
                    throw new GuestException(Code.NOT_FOUND, "the VPN spoke interface on " + hostName + " is not set up");
                }
                if (!config.equals(memory.spokeConfig)) {
                    memory.spokeConfig = config;
                    memory.spokeHandshake = null;
                }
            });
        }

        @Override
        public void persist() {
            act(SimOperation.PERSIST_SPOKE, () -> {
                if (memory.spokeConfig == null) {
                    throw new GuestException(Code.NOT_FOUND, "the VPN spoke on " + hostName + " has no configuration");
                }
                disk.persistedSpokeConfig = memory.spokeConfig;
            });
        }

        @Override
        public Optional<VpnSpokeConfig> configuration() {
            synchronized (network.lock) {
                return Optional.ofNullable(memory.spokeConfig);
            }
        }

        @Override
        public Optional<Instant> latestHandshake() {
            synchronized (network.lock) {
                return spokeHandshake();
            }
        }
    }

    private final class SimFileShare implements FileShare {

        @Override
        public void ensureShare(String name, String path) {
            requireNonNull(name, "name is null");
            requireNonNull(path, "path is null");
            act(SimOperation.ENSURE_SHARE, () -> {
                if (!SHARE_NAME.matcher(name).matches() || !path.startsWith("/")) {
                    throw new GuestException(Code.INVALID,
                            "share '" + name + "' needs a name of 1 to 32 letters, digits, - and _ and an absolute path");
                }
                requireDomain();
                disk.shares.put(name, path);
            });
        }

        @Override
        public void removeShare(String name) {
            requireNonNull(name, "name is null");
            act(SimOperation.REMOVE_SHARE, () -> disk.shares.remove(name));
        }

        @Override
        public Map<String, String> shares() {
            synchronized (network.lock) {
                return Map.copyOf(disk.shares);
            }
        }
    }

    private final class SimFileShareClient implements FileShareClient {

        @Override
        public void writeFile(
                Ipv4Address server, String share, String file, String userName, Secret password, byte[] content) {
            requireNonNull(content, "content is null");
            byte[] copy = content.clone();
            act(SimOperation.WRITE_FILE, () -> {
                String key = fileKey(server, share, file, userName, password);
                network.reachableAt(SimGuestPlatform.this, server).ifPresent(guest -> {
                    guest.disk.files.put(key, copy);
                    network.saved(guest);
                });
            });
        }

        @Override
        public byte[] readFile(Ipv4Address server, String share, String file, String userName, Secret password) {
            return operate(SimOperation.READ_FILE, () -> {
                String key = fileKey(server, share, file, userName, password);
                byte[] content = network.reachableAt(SimGuestPlatform.this, server)
                        .map(guest -> guest.disk.files.get(key)).orElse(null);
                if (content == null) {
                    throw new GuestException(Code.NOT_FOUND, "share " + share + " on " + server + " has no file " + file);
                }
                return content.clone();
            });
        }

        /** Checks access like an SMB session setup and tree connect would, and names the file on the server. */
        private String fileKey(Ipv4Address server, String share, String file, String userName, Secret password) {
            requireNonNull(server, "server is null");
            requireNonNull(share, "share is null");
            requireNonNull(file, "file is null");
            requireNonNull(password, "password is null");
            String name = requireUserName(userName);
            if (file.isEmpty() || file.startsWith("/") || file.contains("..") || file.contains("\\")) {
                throw new GuestException(Code.INVALID, "'" + file + "' is not a relative path inside a share");
            }
            if (!reaches(server, PortRange.Protocol.TCP, 445)) {
                throw new GuestException(Code.UNAVAILABLE, "the file server at " + server + " cannot be reached on TCP 445");
            }
            SimDisk serverDisk = network.reachableAt(SimGuestPlatform.this, server).orElseThrow().disk;
            Secret known = serverDisk.users.get(name);
            if (known == null || !known.matches(password)) {
                throw new GuestException(Code.INVALID, "the user name or password for " + name + " is wrong");
            }
            String path = serverDisk.shares.get(share);
            if (path == null) {
                throw new GuestException(Code.NOT_FOUND, "the file server at " + server + " has no share " + share);
            }
            return path + "/" + file;
        }
    }

    private final class SimScripts implements Scripts {

        @Override
        public ScriptResult run(String name, String script, Map<String, Secret> secretEnvironment, Duration timeout) {
            requireNonNull(name, "name is null");
            requireNonNull(script, "script is null");
            requireNonNull(secretEnvironment, "secretEnvironment is null");
            requireNonNull(timeout, "timeout is null");
            Map<String, Secret> environment = new LinkedHashMap<>(secretEnvironment);
            return operate(SimOperation.RUN_SCRIPT, () -> {
                if (!STEP_NAME.matcher(name).matches() || script.isBlank()) {
                    throw new GuestException(Code.INVALID, "step '" + name + "' needs a name of letters, digits, "
                            + "dots, hyphens and underscores and a script");
                }
                return interpret(name, script, environment, timeout);
            });
        }

        private ScriptResult interpret(String name, String script, Map<String, Secret> environment, Duration timeout) {
            StringBuilder output = new StringBuilder();
            Duration slept = Duration.ZERO;
            int status = 0;
            for (String rawLine : script.split("[\\n;]")) {
                String line = rawLine.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] words = line.split("\\s+", 2);
                String argument = words.length > 1 ? words[1] : "";
                switch (words[0]) {
                    case "echo" -> {
                        output.append(expand(argument, environment)).append('\n');
                        status = 0;
                    }
                    case "exit" -> {
                        return ScriptResult.of(parseNumber(name, argument.isEmpty() ? String.valueOf(status) : argument),
                                output.toString());
                    }
                    case "sleep" -> {
                        slept = slept.plusSeconds(parseNumber(name, argument));
                        if (slept.compareTo(timeout) > 0) {
                            throw new GuestException(Code.TIMEOUT,
                                    "step " + name + " ran longer than " + timeout + " and was stopped");
                        }
                        status = 0;
                    }
                    case "true" -> status = 0;
                    case "false" -> status = 1;
                    default -> {
                        output.append("sim: ").append(words[0]).append(": command not found\n");
                        status = 127;
                    }
                }
            }
            return ScriptResult.of(status, output.toString());
        }

        private static String expand(String text, Map<String, Secret> environment) {
            Matcher matcher = VARIABLE.matcher(text);
            StringBuilder expanded = new StringBuilder();
            while (matcher.find()) {
                Secret value = environment.get(matcher.group(1));
                matcher.appendReplacement(expanded, Matcher.quoteReplacement(value == null ? "" : value.reveal()));
            }
            matcher.appendTail(expanded);
            return expanded.toString();
        }

        private static int parseNumber(String name, String text) {
            try {
                return Integer.parseInt(text.strip());
            } catch (NumberFormatException e) {
                throw new GuestException(Code.INVALID, "step " + name + ": '" + text.strip() + "' is not a number");
            }
        }
    }

    private final class SimPower implements Power {

        @Override
        public void reboot() {
            act(SimOperation.REBOOT, () -> {
                memory = new SimMemory();
                memory.spokeConfig = disk.persistedSpokeConfig;
            });
        }

        @Override
        public String bootId() {
            synchronized (network.lock) {
                return memory.bootId;
            }
        }
    }
}
