package dev.asterism.server;

import static java.util.Objects.requireNonNull;

import dev.asterism.realm.libvirt.LibvirtRealmOptions;
import dev.asterism.server.tunnel.TunnelSettings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * How to run a server.
 *
 * @param dataDirectory where the embedded H2 database lives (ignored with {@code databaseUrl})
 * @param bindAddress the address to listen on; loopback by default, so nothing outside this host reaches it
 * @param port 0 picks a free port
 * @param agentPort where agents dial the server (TLS); 0 picks a free port
 * @param databaseUrl a JDBC URL (PostgreSQL in production), or null for H2 in {@code dataDirectory}
 * @param realm the realm VMs start in when a request names none
 * @param simDelays {@code zero} or {@code realistic}: how slow the {@code sim} realm pretends to be
 * @param phaseTimeout how long one onboarding phase of a member may take before the member fails
 * @param adminPassword the first super-admin's password, or null to generate one (printed once)
 * @param sampleCatalog whether to register the sample catalog (profiles, images, bricks) when missing
 * @param netnsPrefix the prefix of everything the {@code netns} realm makes on this machine (namespaces, files), so
 *     that two servers on one machine keep apart and leftovers are found
 * @param leaseDuration how long a member's join ports stay open on the controller at most: the controller's firewall
 *     closes them itself at that deadline, whatever happens to the server
 * @param tunnels which member ports users may tunnel to, how many tunnels a user may have open, and when an idle
 *     one closes
 * @param qemuBrick the directory of the Debian brick ({@code asterism brick build linux}) the {@code qemu} and
 *     {@code libvirt} realms' Linux VMs boot, or null when the server runs neither
 * @param qemuPrefix the prefix of the qemu realm's QEMU processes, bridges and taps, or of the libvirt realm's
 *     domains, networks and storage pool (1 to 5 characters)
 * @param libvirtHosts the hypervisors of the {@code libvirt} realm
 * @param qemuAccelerator {@code auto} (KVM when a probe boot shows it works, else TCG), {@code kvm} or {@code tcg}: how
 *     the qemu realm runs its VMs; the libvirt realm uses KVM only when told {@code kvm}
 * @param agentCommandTimeout how long the server waits for an agent's answer to a command before it takes the agent
 *     for unreachable and tries again later (with the same command id, which the agent answers from its record)
 * @param trustedProxies the addresses of reverse proxies in front of the server: a request from one of them is taken
 *     to come from the address its {@code X-Forwarded-For} names (for login throttling and the audit log); from any
 *     other address that header is ignored
 * @param acceptAuditChain start even when the audit chain does not verify, recording the problems found in the chain
 *     ({@code audit.chain-accepted}); without it such a start is refused
 */
public record ServerConfig(
        Path dataDirectory,
        String bindAddress,
        int port,
        int agentPort,
        String databaseUrl,
        String databaseUser,
        String databasePassword,
        String realm,
        String simDelays,
        Duration registrationTimeout,
        Duration phaseTimeout,
        Duration orphanGrace,
        String adminPassword,
        boolean sampleCatalog,
        String netnsPrefix,
        Duration leaseDuration,
        TunnelSettings tunnels,
        Path qemuBrick,
        String qemuPrefix,
        List<LibvirtRealmOptions.Host> libvirtHosts,
        String qemuAccelerator,
        Duration agentCommandTimeout,
        List<String> trustedProxies,
        boolean acceptAuditChain) {

    public ServerConfig {
        requireNonNull(dataDirectory, "dataDirectory is null");
        requireNonNull(bindAddress, "bindAddress is null");
        requireNonNull(realm, "realm is null");
        requireNonNull(simDelays, "simDelays is null");
        requireNonNull(registrationTimeout, "registrationTimeout is null");
        requireNonNull(phaseTimeout, "phaseTimeout is null");
        if (phaseTimeout.isNegative() || phaseTimeout.isZero()) {
            throw new IllegalArgumentException("phaseTimeout must be positive");
        }
        requireNonNull(orphanGrace, "orphanGrace is null");
        requireNonNull(netnsPrefix, "netnsPrefix is null");
        requireNonNull(leaseDuration, "leaseDuration is null");
        if (leaseDuration.isNegative() || leaseDuration.isZero()) {
            throw new IllegalArgumentException("leaseDuration must be positive");
        }
        requireNonNull(tunnels, "tunnels is null");
        requireNonNull(qemuPrefix, "qemuPrefix is null");
        libvirtHosts = List.copyOf(requireNonNull(libvirtHosts, "libvirtHosts is null"));
        if (!List.of("auto", "kvm", "tcg").contains(qemuAccelerator)) {
            throw new IllegalArgumentException("qemuAccelerator is auto, kvm or tcg, not '" + qemuAccelerator + "'");
        }
        requireNonNull(agentCommandTimeout, "agentCommandTimeout is null");
        trustedProxies = List.copyOf(requireNonNull(trustedProxies, "trustedProxies is null"));
        if (agentCommandTimeout.isNegative() || agentCommandTimeout.isZero()) {
            throw new IllegalArgumentException("agentCommandTimeout must be positive");
        }
        if (agentPort < 0 || agentPort > 65535) {
            throw new IllegalArgumentException("agentPort must be from 0 to 65535, not " + agentPort);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be from 0 to 65535, not " + port);
        }
    }

    /** The embedded defaults: H2 under {@code dataDirectory}, port 8440 on loopback, the sim realm. */
    public static ServerConfig defaults(Path dataDirectory) {
        return new ServerConfig(dataDirectory, "127.0.0.1", 8440, 8441, null, null, null, "sim", "realistic",
                Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(2), null, true, "ast",
                Duration.ofMinutes(10), TunnelSettings.defaults(), null, "astq",
                List.of(new LibvirtRealmOptions.Host("local", URI.create("qemu:///system"))), "auto",
                Duration.ofSeconds(30), List.of(), false);
    }

    public ServerConfig withPort(int newPort) {
        return with(copy -> copy.port = newPort);
    }

    public ServerConfig withAgentPort(int newAgentPort) {
        return with(copy -> copy.agentPort = newAgentPort);
    }

    public ServerConfig withDatabase(String url, String user, String password) {
        return with(copy -> {
            copy.databaseUrl = url;
            copy.databaseUser = user;
            copy.databasePassword = password;
        });
    }

    public ServerConfig withRealm(String newRealm, String newSimDelays) {
        return with(copy -> {
            copy.realm = newRealm;
            copy.simDelays = newSimDelays;
        });
    }

    public ServerConfig withRegistrationTimeout(Duration timeout) {
        return with(copy -> copy.registrationTimeout = timeout);
    }

    public ServerConfig withPhaseTimeout(Duration timeout) {
        return with(copy -> copy.phaseTimeout = timeout);
    }

    public ServerConfig withAdminPassword(String password) {
        return with(copy -> copy.adminPassword = password);
    }

    public ServerConfig withDataDirectory(Path directory) {
        return with(copy -> copy.dataDirectory = directory);
    }

    public ServerConfig withBindAddress(String address) {
        return with(copy -> copy.bindAddress = address);
    }

    public ServerConfig withNetnsPrefix(String prefix) {
        return with(copy -> copy.netnsPrefix = prefix);
    }

    public ServerConfig withLeaseDuration(Duration duration) {
        return with(copy -> copy.leaseDuration = duration);
    }

    public ServerConfig withTunnels(TunnelSettings settings) {
        return with(copy -> copy.tunnels = settings);
    }

    public ServerConfig withQemu(Path brick, String prefix) {
        return with(copy -> {
            copy.qemuBrick = brick;
            copy.qemuPrefix = prefix;
        });
    }

    public ServerConfig withLibvirtHosts(List<LibvirtRealmOptions.Host> hosts) {
        return with(copy -> copy.libvirtHosts = hosts);
    }

    public ServerConfig withQemuAccelerator(String accelerator) {
        return with(copy -> copy.qemuAccelerator = accelerator);
    }

    public ServerConfig withAgentCommandTimeout(Duration timeout) {
        return with(copy -> copy.agentCommandTimeout = timeout);
    }

    public ServerConfig withTrustedProxies(List<String> proxies) {
        return with(copy -> copy.trustedProxies = proxies);
    }

    public ServerConfig withAcceptAuditChain(boolean accept) {
        return with(copy -> copy.acceptAuditChain = accept);
    }

    private ServerConfig with(Consumer<Copy> change) {
        Copy copy = new Copy(this);
        change.accept(copy);
        return copy.build();
    }

    /** A changeable copy, so that each {@code with} names only what it changes. */
    private static final class Copy {
        private Path dataDirectory;
        private String bindAddress;
        private int port;
        private int agentPort;
        private String databaseUrl;
        private String databaseUser;
        private String databasePassword;
        private String realm;
        private String simDelays;
        private Duration registrationTimeout;
        private Duration phaseTimeout;
        private Duration orphanGrace;
        private String adminPassword;
        private boolean sampleCatalog;
        private String netnsPrefix;
        private Duration leaseDuration;
        private TunnelSettings tunnels;
        private Path qemuBrick;
        private String qemuPrefix;
        private List<LibvirtRealmOptions.Host> libvirtHosts;
        private String qemuAccelerator;
        private Duration agentCommandTimeout;
        private List<String> trustedProxies;
        private boolean acceptAuditChain;

        Copy(ServerConfig config) {
            dataDirectory = config.dataDirectory;
            bindAddress = config.bindAddress;
            port = config.port;
            agentPort = config.agentPort;
            databaseUrl = config.databaseUrl;
            databaseUser = config.databaseUser;
            databasePassword = config.databasePassword;
            realm = config.realm;
            simDelays = config.simDelays;
            registrationTimeout = config.registrationTimeout;
            phaseTimeout = config.phaseTimeout;
            orphanGrace = config.orphanGrace;
            adminPassword = config.adminPassword;
            sampleCatalog = config.sampleCatalog;
            netnsPrefix = config.netnsPrefix;
            leaseDuration = config.leaseDuration;
            tunnels = config.tunnels;
            qemuBrick = config.qemuBrick;
            qemuPrefix = config.qemuPrefix;
            libvirtHosts = config.libvirtHosts;
            qemuAccelerator = config.qemuAccelerator;
            agentCommandTimeout = config.agentCommandTimeout;
            trustedProxies = config.trustedProxies;
            acceptAuditChain = config.acceptAuditChain;
        }

        ServerConfig build() {
            return new ServerConfig(dataDirectory, bindAddress, port, agentPort, databaseUrl, databaseUser,
                    databasePassword, realm, simDelays, registrationTimeout, phaseTimeout, orphanGrace, adminPassword,
                    sampleCatalog, netnsPrefix, leaseDuration, tunnels, qemuBrick, qemuPrefix,
                    libvirtHosts, qemuAccelerator, agentCommandTimeout, trustedProxies, acceptAuditChain);
        }
    }
}
