package dev.asterism.server;

import dev.asterism.core.audit.AuditService;
import dev.asterism.core.auth.AuthService;
import dev.asterism.core.auth.LoginThrottle;
import dev.asterism.core.auth.PasswordHasher;
import dev.asterism.core.auth.Secrets;
import dev.asterism.core.catalog.CatalogService;
import dev.asterism.core.catalog.RealmDefinition;
import dev.asterism.core.constellation.ConstellationBatch;
import dev.asterism.core.constellation.ConstellationReconciler;
import dev.asterism.core.constellation.ConstellationPeople;
import dev.asterism.core.constellation.ConstellationService;
import dev.asterism.core.project.ProjectService;
import dev.asterism.core.reconciliation.Claimant;
import dev.asterism.core.store.Store;
import dev.asterism.core.team.TeamService;
import dev.asterism.core.user.UserService;
import dev.asterism.core.vm.Realms;
import dev.asterism.core.vm.RegistrationTokens;
import dev.asterism.core.vm.VmReconciler;
import dev.asterism.core.vm.VmService;
import dev.asterism.core.vm.VmState;
import dev.asterism.guest.sim.SimGuestNetwork;
import dev.asterism.realm.libvirt.LibvirtRealm;
import dev.asterism.realm.libvirt.LibvirtRealmOptions;
import dev.asterism.realm.netns.NetnsRealm;
import dev.asterism.realm.netns.NetnsRealmOptions;
import dev.asterism.realm.qemu.DebianBrickBuilder;
import dev.asterism.realm.qemu.KvmProbe;
import dev.asterism.realm.qemu.QemuGuests;
import dev.asterism.realm.qemu.QemuRealm;
import dev.asterism.realm.qemu.QemuRealmOptions;
import dev.asterism.realm.sim.SimRealm;
import dev.asterism.realm.sim.SimRealmOptions;
import dev.asterism.server.agent.AgentCertificateAuthority;
import dev.asterism.server.agent.AgentConnections;
import dev.asterism.server.agent.AgentEndpoint;
import dev.asterism.server.gateway.AgentGateway;
import dev.asterism.server.http.ApiRoutes;
import dev.asterism.server.http.ClientAddresses;
import dev.asterism.server.http.Metrics;
import dev.asterism.server.http.WebServer;
import dev.asterism.server.panel.Panel;
import dev.asterism.server.sim.SimAgentHost;
import dev.asterism.server.sim.SimAgentsRealm;
import dev.asterism.server.tunnel.TunnelRelay;
import dev.asterism.spi.realm.Realm;
import dev.asterism.spi.realm.RealmException;
import dev.asterism.store.JdbcStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/** Builds the whole server by hand, in one place, and runs it until {@link #close()}. */
public final class AsterismServer implements AutoCloseable {
    /** How many VMs the qemu realm runs at most on this machine. */
    private static final int QEMU_MAX_VMS = 12;
    private static final int LIBVIRT_MAX_VMS_PER_HOST = 32;
    private static final System.Logger LOG = System.getLogger(AsterismServer.class.getName());
    /** How many hosts the netns realm holds at most: each runs an agent JVM of about 100 MB. */
    private static final int NETNS_MAX_VMS = 40;

    public static final String ADMIN_USER = "admin";

    private final ServerConfig config;
    private final Store store;
    private final Realms realms;
    private final VmReconciler reconciler;
    private final ConstellationReconciler constellationReconciler;
    private final AgentGateway gateway;
    private final AgentEndpoint agentEndpoint;
    private final SimAgentHost simAgents;
    private final WebServer web;
    private final String url;
    private final String generatedAdminPassword;
    private final SimRealm simRealm;
    private final VmService vmService;
    private final AuditService auditService;
    private final AuditSeals auditSeals;
    private final TunnelRelay tunnels;

    private AsterismServer(ServerConfig config, Store store, Realms realms, VmReconciler reconciler,
            ConstellationReconciler constellationReconciler, WebServer web, AgentEndpoint agentEndpoint, String url,
            String generatedAdminPassword, SimRealm simRealm, SimAgentHost simAgents, VmService vmService,
            AuditService auditService, AuditSeals auditSeals, AgentGateway gateway, TunnelRelay tunnels) {
        this.auditSeals = auditSeals;
        this.tunnels = tunnels;
        this.agentEndpoint = agentEndpoint;
        this.simAgents = simAgents;
        this.constellationReconciler = constellationReconciler;
        this.gateway = gateway;
        this.config = config;
        this.store = store;
        this.realms = realms;
        this.reconciler = reconciler;
        this.web = web;
        this.url = url;
        this.generatedAdminPassword = generatedAdminPassword;
        this.simRealm = simRealm;
        this.vmService = vmService;
        this.auditService = auditService;
    }

    public static AsterismServer start(ServerConfig config) {
        return start(config, Clock.systemUTC(), PasswordHasher.DEFAULT);
    }

    /**
     * Starts a server.
     *
     * @throws ServerStartException with a message saying what to fix (a taken port, an unreachable database)
     */
    public static AsterismServer start(ServerConfig config, Clock clock, PasswordHasher hasher) {
        DataDirectory.prepare(config.dataDirectory());
        AuditSeals seals = AuditSeals.open(config.dataDirectory());
        Store store = openStore(config, seals);
        DataDirectory.tightenFiles(config.dataDirectory());
        try {
            seals.check(store, clock, config.acceptAuditChain());
            return wire(config, clock, hasher, store, seals);
        } catch (RuntimeException e) {
            seals.close();
            store.close();
            throw e;
        }
    }

    /**
     * Builds and starts everything after the store. What it started is closed again, last first, when a later step
     * fails, so that a start that is refused leaves no listener, agent, VM process or thread behind.
     */
    private static AsterismServer wire(ServerConfig config, Clock clock, PasswordHasher hasher, Store store,
            AuditSeals seals) {
        Deque<AutoCloseable> started = new ArrayDeque<>();
        try {
            return wire(config, clock, hasher, store, seals, started);
        } catch (RuntimeException e) {
            while (!started.isEmpty()) {
                try {
                    started.pop().close();
                } catch (Exception closing) {
                    e.addSuppressed(closing);
                }
            }
            throw e;
        }
    }

    private static AsterismServer wire(ServerConfig config, Clock clock, PasswordHasher hasher, Store store,
            AuditSeals seals, Deque<AutoCloseable> started) {
        RegistrationTokens tokens = RegistrationKey.open(config.dataDirectory(), store);
        AtomicReference<VmService> vmServiceReference = new AtomicReference<>();
        AtomicReference<VmReconciler> reconcilerReference = new AtomicReference<>();

        AgentCertificateAuthority agentAuthority = openAgentAuthority(config, clock);
        AtomicReference<String> agentEndpointUrl = new AtomicReference<>();
        SimRealm simRealm = null;
        SimAgentHost simAgents = null;
        NetnsRealm netnsRealm = null;
        Map<String, Realm> drivers = new LinkedHashMap<>();
        switch (config.realm()) {
            case "sim" -> {
                AtomicReference<Realm> simReference = new AtomicReference<>();
                Path data = config.dataDirectory();
                try {
                    simAgents = new SimAgentHost(data.resolve("sim-agents"),
                            SimGuestNetwork.persistentIn(clock, data.resolve("sim-guests")), clock,
                            simReference::get, agentEndpointUrl::get, agentAuthority::caFingerprint);
                    simRealm = SimRealm.persistentIn(clock, simOptions(config.simDelays()), simAgents,
                            data.resolve("sim-realm"));
                } catch (UncheckedIOException | IllegalArgumentException e) {
                    throw new ServerStartException("cannot read the simulated VMs under " + data + ": "
                            + e.getMessage() + " (delete sim-realm, sim-guests and sim-agents there to start"
                            + " with none)", e);
                }
                simReference.set(simRealm);
                drivers.put("sim", new SimAgentsRealm(simRealm, simAgents));
            }
            case "netns" -> {
                try {
                    netnsRealm = new NetnsRealm(new NetnsRealmOptions(config.netnsPrefix(), NETNS_MAX_VMS,
                            NetnsRealmOptions.agentCommandOfThisJvm(), Optional.empty()));
                } catch (RealmException e) {
                    throw new ServerStartException(e.getMessage(), e);
                }
                drivers.put("netns", netnsRealm);
            }
            case "qemu" -> {
                if (config.qemuBrick() == null) {
                    throw new ServerStartException("the qemu realm needs a brick: build it with `sudo ./asterism brick"
                            + " build linux` and give its directory with --qemu-brick");
                }
                try {
                    DebianBrickBuilder.Brick brick = QemuGuests.requireBrick(
                            DebianBrickBuilder.Brick.at(config.qemuBrick()), "");
                    KvmProbe.Result accelerator = KvmProbe.choose(config.qemuAccelerator(), brick,
                            config.dataDirectory());
                    LOG.log(System.Logger.Level.INFO, "qemu realm: "
                            + accelerator.accelerator().toUpperCase(java.util.Locale.ROOT) + ", " + accelerator.reason());
                    drivers.put("qemu", new QemuRealm(new QemuRealmOptions(config.qemuPrefix(),
                            config.dataDirectory().resolve("qemu"), brick, accelerator.accelerator(), QEMU_MAX_VMS)));
                } catch (RealmException | IllegalArgumentException e) {
                    throw new ServerStartException(e.getMessage(), e);
                }
            }
            case "libvirt" -> {
                if (config.qemuBrick() == null) {
                    throw new ServerStartException("the libvirt realm needs a brick: build it with `sudo ./asterism"
                            + " brick build linux`, copy its directory to the same path on every host, and give it"
                            + " with --qemu-brick");
                }
                try {
                    LibvirtRealm libvirt = new LibvirtRealm(new LibvirtRealmOptions(config.qemuPrefix(),
                            config.libvirtHosts(), QemuGuests.requireBrick(
                                    DebianBrickBuilder.Brick.at(config.qemuBrick()), ""),
                            LIBVIRT_MAX_VMS_PER_HOST, config.qemuAccelerator().equals("kvm")));
                    // Starting without a single hypervisor would only fail at the first VM: say it now. Some hosts
                    // down is a warning: their VMs answer UNAVAILABLE until they are back.
                    Map<String, String> answers = libvirt.reachability();
                    List<String> problems = answers.values().stream().filter(answer -> !answer.isEmpty()).toList();
                    if (problems.size() == answers.size()) {
                        libvirt.close();
                        throw new ServerStartException("no libvirt host answers: " + String.join("; ", problems));
                    }
                    problems.forEach(problem -> LOG.log(System.Logger.Level.WARNING, problem));
                    drivers.put("libvirt", libvirt);
                } catch (RealmException | IllegalArgumentException e) {
                    throw new ServerStartException(e.getMessage(), e);
                }
            }
            default -> throw new ServerStartException("unknown realm '" + config.realm()
                    + "': this build has the realms 'sim', 'netns', 'qemu' and 'libvirt'");
        }
        Realms realms = new Realms(drivers, config.realm());
        started.push(realms);

        AuthService auth = new AuthService(store, hasher, new LoginThrottle(clock, 5, Duration.ofMinutes(15)),
                new LoginThrottle(clock, 50, Duration.ofMinutes(15)), clock, Duration.ofHours(12));
        UserService users = new UserService(store, hasher, clock);
        CatalogService catalog = new CatalogService(store, clock);
        VmService vms = new VmService(store, realms, tokens, clock, config.registrationTimeout(), () -> {
            VmReconciler reconciler = reconcilerReference.get();
            if (reconciler != null) {
                reconciler.wake();
            }
        });
        vmServiceReference.set(vms);
        AuditService audit = new AuditService(store, seals.key(), seals::checkpoint);
        AtomicReference<ConstellationReconciler> constellationReconcilerReference = new AtomicReference<>();
        Runnable wakeConstellations = () -> {
            ConstellationReconciler reconciler = constellationReconcilerReference.get();
            if (reconciler != null) {
                reconciler.wake();
            }
        };
        ConstellationService constellations = new ConstellationService(store, vms, clock, wakeConstellations);
        AgentConnections agentConnections = new AgentConnections();
        AgentGateway gateway = new AgentGateway(store, vms, agentConnections, config.agentCommandTimeout());
        gateway.reportStepsTo(constellations);
        AgentEndpoint agentEndpoint = new AgentEndpoint(
                AgentEndpoint.Settings.loopback(config.agentPort()).withHost(config.bindAddress()), agentAuthority,
                gateway, gateway, agentConnections, clock);
        try {
            agentEndpoint.start();
            started.push(agentEndpoint);
        } catch (RuntimeException e) {
            throw new ServerStartException("cannot listen for agents on " + config.bindAddress() + ":"
                    + config.agentPort() + ": " + rootMessage(e) + " (pick another with --agent-port)", e);
        }
        agentEndpointUrl.set(agentEndpoint.url());
        if (netnsRealm != null) {
            netnsRealm.relayTo(agentEndpoint.port());
        }

        for (Map.Entry<String, Realm> driver : drivers.entrySet()) {
            catalog.ensureRealm(new RealmDefinition(driver.getKey(), driver.getValue().driver(),
                    switch (driver.getKey()) {
                        case "sim" -> "simulated VMs, kept in the data directory: nothing really runs";
                        case "netns" -> "Linux hosts in network namespaces of the server's machine (prefix "
                                + config.netnsPrefix() + ")";
                        case "qemu" -> "VMs under QEMU on the server's machine, booting " + config.qemuBrick();
                        default -> "";
                    }));
        }
        String generated = null;
        String adminPassword = config.adminPassword() != null ? config.adminPassword() : Secrets.newSecret("").substring(0, 24);
        if (users.bootstrapAdmin(ADMIN_USER, adminPassword) && config.adminPassword() == null) {
            generated = adminPassword;
        }
        if (config.sampleCatalog()) {
            SampleCatalog.ensure(catalog);
        }

        Metrics metrics = new Metrics();
        ConstellationPeople people = new ConstellationPeople(store, gateway, clock, wakeConstellations);
        TunnelRelay tunnels = new TunnelRelay(store, constellations, agentConnections, config.tunnels(), clock);
        started.push(tunnels);
        gateway.relayTunnelsThrough(tunnels);
        ClientAddresses addresses = new ClientAddresses(config.trustedProxies());
        ConstellationBatch batch = new ConstellationBatch(store, gateway);
        ProjectService projects = new ProjectService(store, clock, left -> left.forEach(person -> tunnels
                .closeTunnelsOf(person.username(), person.constellation(), "no longer takes part in its project")));
        TeamService teams = new TeamService(store, clock, projects);
        ApiRoutes api = new ApiRoutes(auth, users, catalog, projects, teams, vms, audit, constellations, people, batch,
                tunnels, clock, openApiDocument(), addresses);
        Panel panel = new Panel(auth, users, catalog, projects, teams, vms, audit, constellations, people, batch,
                tunnels, clock, addresses);
        WebServer web = new WebServer(api, panel, metrics, () -> healthy(store));
        try {
            web.start(config.bindAddress(), config.port());
            started.push(web);
        } catch (RuntimeException e) {
            throw new ServerStartException("cannot listen on " + config.bindAddress() + ":" + config.port() + ": "
                    + rootMessage(e) + " (is another server running there? pick another with --port)", e);
        }
        String url = "http://" + (config.bindAddress().contains(":") ? "[" + config.bindAddress() + "]"
                : config.bindAddress()) + ":" + web.port();
        Claimant claimant = new Claimant(serverId(config.dataDirectory()), Claimant.DEFAULT_HOLD);
        VmReconciler reconciler = new VmReconciler(store, realms, tokens, clock, new VmReconciler.Settings(
                agentEndpoint.url(), agentAuthority.caFingerprint(), Duration.ofMillis(250), Duration.ofSeconds(10),
                config.orphanGrace(), claimant));
        reconcilerReference.set(reconciler);
        started.push(reconciler);
        ConstellationReconciler constellationReconciler = new ConstellationReconciler(store, vms, gateway, clock,
                new ConstellationReconciler.Settings(Duration.ofMillis(250), config.phaseTimeout(),
                        config.leaseDuration(), 5, claimant));
        constellationReconcilerReference.set(constellationReconciler);
        started.push(constellationReconciler);
        registerGauges(metrics, store, reconciler);
        reconciler.start();
        constellationReconciler.start();
        return new AsterismServer(config, store, realms, reconciler, constellationReconciler, web, agentEndpoint, url,
                generated, simRealm, simAgents, vms, audit, seals, gateway, tunnels);
    }

    private static AgentCertificateAuthority openAgentAuthority(ServerConfig config, Clock clock) {
        try {
            // The qemu and libvirt realms' guests dial the agent endpoint at QEMU's forwarded management address.
            List<String> names = config.realm().equals("qemu") || config.realm().equals("libvirt")
                    ? List.of(config.bindAddress(), QemuGuests.MANAGEMENT_ADDRESS) : List.of(config.bindAddress());
            return AgentCertificateAuthority.openOrCreate(config.dataDirectory(), names, clock);
        } catch (RuntimeException e) {
            throw new ServerStartException("cannot open the agent CA under " + config.dataDirectory() + ": "
                    + rootMessage(e), e);
        }
    }

    private static Store openStore(ServerConfig config, AuditSeals seals) {
        try {
            if (config.databaseUrl() == null) {
                return JdbcStore.h2(config.dataDirectory(), seals.key());
            }
            return JdbcStore.open(config.databaseUrl(), config.databaseUser(), config.databasePassword(),
                    "database at " + config.databaseUrl().replaceAll("\\?.*", ""), seals.key());
        } catch (RuntimeException e) {
            throw new ServerStartException(e.getMessage() + (config.databaseUrl() == null
                    ? " (is another server using the data directory " + config.dataDirectory() + "?)" : ""), e);
        }
    }

    /**
     * This server's id as a claimant of reconciler work: made at the first start and kept in the data directory, so
     * a restarted server takes its own claims back at once while another server on the same database waits for them
     * to run out.
     */
    private static String serverId(Path dataDirectory) {
        Path file = dataDirectory.resolve("server-id");
        try {
            if (Files.exists(file)) {
                String id = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (!id.isEmpty() && id.length() <= 64) {
                    return id;
                }
            }
            String id = "server-" + UUID.randomUUID();
            Files.writeString(file, id + "\n", StandardCharsets.UTF_8);
            return id;
        } catch (IOException e) {
            throw new ServerStartException("cannot read or write the server id in " + file + ": " + e.getMessage(), e);
        }
    }

    private static SimRealmOptions simOptions(String delays) {
        return switch (delays) {
            case "zero" -> SimRealmOptions.instant();
            case "realistic" -> SimRealmOptions.realistic();
            default -> throw new ServerStartException("unknown sim delays '" + delays + "': use zero or realistic");
        };
    }

    private static void registerGauges(Metrics metrics, Store store, VmReconciler reconciler) {
        metrics.gauge("asterism_vms", "VMs by state", () -> {
            Map<String, Double> samples = new LinkedHashMap<>();
            store.call(transaction -> transaction.vms().countByState()).forEach((state, count) ->
                    samples.put("state=\"" + state.name() + "\"", count.doubleValue()));
            return samples;
        });
        metrics.gauge("asterism_audit_events", "events in the audit chain",
                () -> Map.of("", (double) store.call(transaction -> transaction.audit().head().seq())));
        metrics.gauge("asterism_reconciler_steps", "VM reconciler steps since start",
                () -> Map.of("", (double) reconciler.steps()));
        metrics.gauge("asterism_reconciler_failed_vms", "VMs the reconciler failed since start",
                () -> Map.of("", (double) reconciler.failures()));
    }

    private static boolean healthy(Store store) {
        try {
            store.call(transaction -> transaction.audit().head());
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static String openApiDocument() {
        try (InputStream in = AsterismServer.class.getResourceAsStream("/asterism/openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the server jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage();
    }

    public String url() {
        return url;
    }

    public int port() {
        return web.port();
    }

    /** The first admin's password when this start generated it; shown once, never stored in clear. */
    public Optional<String> generatedAdminPassword() {
        return Optional.ofNullable(generatedAdminPassword);
    }

    public ServerConfig config() {
        return config;
    }

    public Store store() {
        return store;
    }

    /** The qemu realm, when this server runs it. */
    public Optional<QemuRealm> qemuRealm() {
        return realms.find("qemu").map(QemuRealm.class::cast);
    }

    /** The netns realm, when this server runs it. */
    public Optional<NetnsRealm> netnsRealm() {
        return realms.find("netns").map(NetnsRealm.class::cast);
    }

    public Optional<SimRealm> simRealm() {
        return Optional.ofNullable(simRealm);
    }

    public VmReconciler reconciler() {
        return reconciler;
    }

    public VmService vms() {
        return vmService;
    }

    public AuditService audit() {
        return auditService;
    }

    public long vmsIn(VmState state) {
        return store.call(transaction -> transaction.vms().countByState()).getOrDefault(state, 0L);
    }

    public Optional<SimAgentHost> simAgents() {
        return Optional.ofNullable(simAgents);
    }

    /** The tunnels to members open now through this server. */
    public TunnelRelay tunnels() {
        return tunnels;
    }

    public AgentGateway gateway() {
        return gateway;
    }

    public ConstellationReconciler constellationReconciler() {
        return constellationReconciler;
    }

    @Override
    public void close() {
        constellationReconciler.close();
        reconciler.close();
        tunnels.close();
        web.close();
        agentEndpoint.close();
        realms.close();
        auditSeals.close();
        store.close();
    }
}
