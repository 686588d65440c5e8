package dev.asterism.cli;

import dev.asterism.realm.libvirt.LibvirtRealmOptions;
import dev.asterism.server.ServerConfig;
import dev.asterism.server.http.ClientAddresses;
import dev.asterism.server.tunnel.TunnelSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Option;

/** The options shared by {@code asterism server} and {@code asterism demo}. */
final class ServerOptions {
    @Option(names = ConfigFile.OPTION, paramLabel = "FILE",
            description = "A configuration file: one 'key = value' a line, the keys being these options' long names"
                    + " without their dashes (port = 8440, realm = netns, tunnel-ports = 3389,22); '#' starts a"
                    + " comment. Its values replace the defaults; options on the command line override them."
                    + " Unknown keys and values that options refuse stop the start, naming the line. Passwords do not"
                    + " belong there: see --database-password-file and --admin-password-file.")
    Path config;

    @Option(names = "--data", paramLabel = "DIR", defaultValue = ".asterism",
            description = "Where the embedded H2 database lives (default: ${DEFAULT-VALUE}). Ignored with --database-url.")
    Path data;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8440",
            description = "The port to listen on (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--agent-port", paramLabel = "N", defaultValue = "8441",
            description = "The TLS port agents in VMs dial (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int agentPort;

    @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "The address to listen on (default: ${DEFAULT-VALUE}, reachable from this host only).")
    String bind;

    @Option(names = "--realm", paramLabel = "NAME",
            description = "The realm VMs run in: sim (simulated, anywhere), netns (real Linux guests in network"
                    + " namespaces of this machine; needs root and the guest packages), qemu (real VMs as QEMU processes"
                    + " of this machine; needs root, qemu-system-x86 and --qemu-brick) or libvirt (real VMs through"
                    + " libvirtd on one or more hosts, see --libvirt-host; needs --qemu-brick). Default: sim for"
                    + " server; for demo netns when this machine can run it, else sim.")
    String realm;

    @Option(names = "--netns-prefix", paramLabel = "PREFIX", defaultValue = "ast",
            description = "The prefix of the namespaces and files the netns realm makes, 1 to 12 lower-case letters"
                    + " and digits (default: ${DEFAULT-VALUE}).")
    String netnsPrefix;

    @Option(names = "--qemu-brick", paramLabel = "DIR",
            description = "The Debian brick the qemu and libvirt realms boot, as `asterism brick build linux` made it;"
                    + " with libvirt, at the same path on every host.")
    Path qemuBrick;

    @Option(names = "--qemu-prefix", paramLabel = "PREFIX", defaultValue = "astq",
            description = "The prefix of the qemu realm's QEMU processes, bridges and taps, or of the libvirt realm's"
                    + " domains, networks and storage pool: 1 to 5 lower-case letters and digits (default:"
                    + " ${DEFAULT-VALUE}).")
    String qemuPrefix;

    @Option(names = "--accept-audit-chain",
            description = "Start even though the audit chain does not verify (the start is refused otherwise, with"
                    + " what was found). The problems are recorded in the chain as audit.chain-accepted and stay"
                    + " listed by `asterism audit verify`; new events are sealed from there on.")
    boolean acceptAuditChain;

    @Option(names = "--qemu-accel", paramLabel = "auto|kvm|tcg", defaultValue = "auto",
            description = "How the qemu realm runs VMs: auto boots a probe VM under KVM once (the answer is kept in the"
                    + " data directory) and uses KVM when it works, else TCG; kvm or tcg say it. The libvirt realm"
                    + " uses KVM only with kvm (default: ${DEFAULT-VALUE}).")
    String qemuAccelerator;

    @Option(names = "--libvirt-host", paramLabel = "NAME=URI", split = ",",
            description = "A hypervisor of the libvirt realm, e.g. local=qemu:///system or"
                    + " rack2=qemu+ssh://root@10.0.0.2/system; repeat for more hosts, or separate them with commas"
                    + " (default: local=qemu:///system)."
                    + " A constellation stays on one host; new ones go to the host with the most free memory.")
    List<String> libvirtHosts;

    @Option(names = "--sim-delays", paramLabel = "zero|realistic", defaultValue = "realistic",
            description = "How slow the sim realm pretends to be (default: ${DEFAULT-VALUE}).")
    String simDelays;

    @Option(names = "--database-url", paramLabel = "JDBC_URL",
            description = "A PostgreSQL database instead of H2, e.g. jdbc:postgresql://127.0.0.1:5432/asterism."
                    + " The password comes from --database-password-file, else ASTERISM_DATABASE_PASSWORD.")
    String databaseUrl;

    @Option(names = "--database-password-file", paramLabel = "FILE",
            description = "A file holding the database's password (its first line), readable by the server's user"
                    + " only (mode 0600 or 0400): the start is refused when others may read it.")
    Path databasePasswordFile;

    @Option(names = "--admin-password-file", paramLabel = "FILE",
            description = "A file holding the password of the administrator 'admin' that the first start creates,"
                    + " readable by the server's user only (as --database-password-file); else"
                    + " ASTERISM_ADMIN_PASSWORD, else one is generated and printed once.")
    Path adminPasswordFile;

    @Option(names = "--database-user", paramLabel = "USER", defaultValue = "asterism",
            description = "The database user (default: ${DEFAULT-VALUE}).")
    String databaseUser;

    @Option(names = "--registration-timeout", paramLabel = "DURATION", defaultValue = "5m",
            converter = Converters.PositiveDuration.class,
            description = "How long a new VM's agent has to register before the VM is destroyed (default: ${DEFAULT-VALUE}).")
    Duration registrationTimeout;

    @Option(names = "--phase-timeout", paramLabel = "DURATION", defaultValue = "10m",
            converter = Converters.PositiveDuration.class,
            description = "How long one onboarding phase of a member may take before the member fails and is cleaned"
                    + " up (default: ${DEFAULT-VALUE}).")
    Duration phaseTimeout;

    @Option(names = "--tunnel-ports", paramLabel = "PORT[,PORT...]", split = ",", defaultValue = "3389",
            description = "The member ports users may open tunnels to with `asterism connect` (default:"
                    + " ${DEFAULT-VALUE}, remote desktop).")
    List<Integer> tunnelPorts;

    @Option(names = "--tunnels-per-user", paramLabel = "N", defaultValue = "16",
            description = "How many tunnels one user may have open at once (default: ${DEFAULT-VALUE}).")
    int tunnelsPerUser;

    @Option(names = "--tunnel-idle-timeout", paramLabel = "DURATION", defaultValue = "30m",
            converter = Converters.PositiveDuration.class,
            description = "A tunnel that carries nothing for this long is closed (default: ${DEFAULT-VALUE}).")
    Duration tunnelIdleTimeout;

    @Option(names = "--trusted-proxy", paramLabel = "ADDRESS[,ADDRESS...]", split = ",",
            description = "A reverse proxy in front of the server: requests from it count as coming from the address"
                    + " in its X-Forwarded-For header, for login throttling and the audit log. From anywhere else that"
                    + " header is ignored (default: none).")
    List<String> trustedProxies;

    private List<String> trustedProxies() {
        if (trustedProxies == null) {
            return List.of();
        }
        for (String proxy : trustedProxies) {
            if (!ClientAddresses.isAddress(proxy)) {
                throw new CommandFailure(ExitStatus.USAGE, "--trusted-proxy must be IP addresses, not '" + proxy
                        + "'");
            }
        }
        return List.copyOf(trustedProxies);
    }

    private TunnelSettings tunnelSettings() {
        for (int tunnelPort : tunnelPorts) {
            if (tunnelPort < 1 || tunnelPort > 65535) {
                throw new CommandFailure(ExitStatus.USAGE, "--tunnel-ports must be ports from 1 to 65535, not "
                        + tunnelPort);
            }
        }
        if (tunnelsPerUser < 1) {
            throw new CommandFailure(ExitStatus.USAGE, "--tunnels-per-user must be at least 1, not " + tunnelsPerUser);
        }
        return new TunnelSettings(Set.copyOf(tunnelPorts), tunnelsPerUser, tunnelIdleTimeout);
    }

    /** The configuration; {@code defaultRealm} applies when --realm was not given. */
    ServerConfig toConfig(CliEnvironment environment, boolean sampleCatalog, String defaultRealm) {
        String realm = this.realm == null ? defaultRealm : this.realm;
        if (port < 0 || port > 65535) {
            throw new CommandFailure(ExitStatus.USAGE, "--port must be from 0 to 65535, not " + port);
        }
        if (agentPort < 0 || agentPort > 65535) {
            throw new CommandFailure(ExitStatus.USAGE, "--agent-port must be from 0 to 65535, not " + agentPort);
        }
        if (!simDelays.equals("zero") && !simDelays.equals("realistic")) {
            throw new CommandFailure(ExitStatus.USAGE, "--sim-delays must be zero or realistic, not '" + simDelays + "'");
        }
        if (!List.of("sim", "netns", "qemu", "libvirt").contains(realm)) {
            throw new CommandFailure(ExitStatus.USAGE, "--realm must be sim, netns, qemu or libvirt, not '" + realm
                    + "'");
        }
        if ((realm.equals("qemu") || realm.equals("libvirt")) && qemuBrick == null) {
            throw new CommandFailure(ExitStatus.USAGE, "the " + realm + " realm needs --qemu-brick DIR: build the"
                    + " brick with `sudo ./asterism brick build linux`, which prints its directory");
        }
        if (!List.of("auto", "kvm", "tcg").contains(qemuAccelerator)) {
            throw new CommandFailure(ExitStatus.USAGE, "--qemu-accel must be auto, kvm or tcg, not '"
                    + qemuAccelerator + "'");
        }
        if (!qemuPrefix.matches("[a-z][a-z0-9]{0,4}")) {
            throw new CommandFailure(ExitStatus.USAGE, "--qemu-prefix must be 1 to 5 lower-case letters and digits,"
                    + " starting with a letter, not '" + qemuPrefix + "'");
        }
        if (!netnsPrefix.matches("[a-z][a-z0-9]{0,11}")) {
            throw new CommandFailure(ExitStatus.USAGE, "--netns-prefix must be 1 to 12 lower-case letters and digits,"
                    + " starting with a letter, not '" + netnsPrefix + "'");
        }
        ServerConfig defaults = ServerConfig.defaults(data.toAbsolutePath().normalize());
        return new ServerConfig(defaults.dataDirectory(), bind, port, agentPort, databaseUrl,
                databaseUrl == null ? null : databaseUser,
                databaseUrl == null ? null : secret(databasePasswordFile, "--database-password-file", environment,
                        "ASTERISM_DATABASE_PASSWORD"),
                realm, simDelays, registrationTimeout, phaseTimeout, defaults.orphanGrace(),
                secret(adminPasswordFile, "--admin-password-file", environment, "ASTERISM_ADMIN_PASSWORD"), sampleCatalog, netnsPrefix, defaults.leaseDuration(),
                tunnelSettings(), qemuBrick == null ? null : qemuBrick.toAbsolutePath().normalize(), qemuPrefix,
                libvirtHosts(defaults), qemuAccelerator, defaults.agentCommandTimeout(), trustedProxies(),
                acceptAuditChain);
    }

    /**
     * A password from {@code file} (its first line) when one is named, else from the environment variable.
     *
     * @throws CommandFailure (usage) when the file cannot be read, is empty, or others than its owner may read it
     */
    static String secret(Path file, String option, CliEnvironment environment, String variable) {
        if (file == null) {
            return environment.variable(variable);
        }
        try {
            if (Files.getFileStore(file).supportsFileAttributeView(PosixFileAttributeView.class)) {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
                if (permissions.stream().anyMatch(permission -> permission.name().startsWith("GROUP_")
                        || permission.name().startsWith("OTHERS_"))) {
                    throw new CommandFailure(ExitStatus.USAGE, option + " " + file + " may be read by others than its"
                            + " owner (" + PosixFilePermissions.toString(permissions) + "): run `chmod 600 " + file
                            + "`");
                }
            }
            String first = Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8).stream().findFirst()
                    .orElse("");
            if (first.isBlank()) {
                throw new CommandFailure(ExitStatus.USAGE, option + " " + file + " is empty: put the password on its"
                        + " first line");
            }
            return first;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new CommandFailure(ExitStatus.USAGE, option + " " + file + " does not exist");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new CommandFailure(ExitStatus.USAGE, option + " " + file + " is not UTF-8 text");
        } catch (java.io.IOException e) {
            throw new CommandFailure(ExitStatus.USAGE, "cannot read " + option + " " + file + ": " + e.getMessage());
        }
    }

    private List<LibvirtRealmOptions.Host> libvirtHosts(ServerConfig defaults) {
        if (libvirtHosts == null || libvirtHosts.isEmpty()) {
            return defaults.libvirtHosts();
        }
        try {
            List<LibvirtRealmOptions.Host> hosts = libvirtHosts.stream().map(LibvirtRealmOptions.Host::parse).toList();
            if (hosts.stream().map(LibvirtRealmOptions.Host::name).distinct().count() < hosts.size()) {
                throw new IllegalArgumentException("each libvirt host needs its own name");
            }
            return hosts;
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(ExitStatus.USAGE, "--libvirt-host: " + e.getMessage());
        }
    }
}
