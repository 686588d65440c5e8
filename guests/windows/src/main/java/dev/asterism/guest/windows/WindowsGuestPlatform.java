package dev.asterism.guest.windows;

import static java.util.Objects.requireNonNull;

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
import dev.asterism.spi.guest.GuestException.Code;
import dev.asterism.spi.guest.GuestException;
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
import dev.asterism.spi.guest.VpnPublicKey;
import dev.asterism.spi.guest.VpnSpoke;
import dev.asterism.spi.guest.VpnSpokeConfig;
import dev.asterism.spi.realm.OsFamily;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The guest platform of a Windows member: {@code Add-Computer} with the preset account's one-time password (an
 * unsecured join) under the name the controller chose, the WireGuard for Windows tunnel service as the VPN spoke,
 * remote desktop with network level authentication, Windows Firewall for the member's baseline, and PowerShell for
 * scripts. A Windows guest is a member only: the domain controller, the VPN hub and the share are Linux's (Samba),
 * and port leases are opened on the controller, so this platform has no such parts.
 *
 * <p>Every action is a fixed script from this jar run through {@link PowerShell}, with its values in
 * {@code ASTERISM_*} environment variables. What the platform must remember (the controller's address, the spoke's
 * configuration, the baseline) is in {@code windows-guest.properties} in the agent's state directory; Windows keeps
 * the rest itself (the domain, the tunnel service, the firewall rules and remote desktop survive a restart).
 *
 * <p>The join ends with a restart: the agent stops with the guest, starts again with it, repeats the join step,
 * finds the computer joined and goes on.
 */
public final class WindowsGuestPlatform implements GuestPlatform {
    private static final Duration SHORT = Duration.ofSeconds(60);
    private static final Duration JOIN = Duration.ofMinutes(5);
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9._-]{1,20}");
    private static final Pattern STEP_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final PowerShell shell;
    private final Path stateFile;
    private final Runnable afterRestartRequested;
    private final Member member = new Member();
    private final WindowsFirewall firewall = new WindowsFirewall();
    private final Spoke spoke = new Spoke();
    private final Desktop desktop = new Desktop();
    private final PowerShellScripts scripts = new PowerShellScripts();
    private final WindowsPower power = new WindowsPower();

    /**
     * @param shell how to run PowerShell
     * @param stateDirectory the agent's state directory, where {@code windows-guest.properties} is kept
     * @param afterRestartRequested runs after {@code Restart-Computer} was asked for; in a guest it waits for the
     *     restart to end the agent (and fails when it does not come)
     */
    public WindowsGuestPlatform(PowerShell shell, Path stateDirectory, Runnable afterRestartRequested) {
        this.shell = requireNonNull(shell, "shell is null");
        this.stateFile = requireNonNull(stateDirectory, "stateDirectory is null").resolve("windows-guest.properties");
        this.afterRestartRequested = requireNonNull(afterRestartRequested, "afterRestartRequested is null");
    }

    @Override
    public String name() {
        return "windows";
    }

    @Override
    public OsFamily osFamily() {
        return OsFamily.WINDOWS;
    }

    @Override
    public Set<GuestCapability> capabilities() {
        return EnumSet.of(GuestCapability.DOMAIN_MEMBER, GuestCapability.FIREWALL, GuestCapability.VPN_SPOKE,
                GuestCapability.REMOTE_DESKTOP);
    }

    @Override
    public DomainController domainController() {
        throw unsupported("be a domain controller (the controller is a Linux guest with Samba AD)");
    }

    @Override
    public DomainMember domainMember() {
        return member;
    }

    @Override
    public Firewall firewall() {
        return firewall;
    }

    @Override
    public VpnHub vpnHub() {
        throw unsupported("be the VPN hub (the controller, a Linux guest, is)");
    }

    @Override
    public VpnSpoke vpnSpoke() {
        return spoke;
    }

    @Override
    public FileShare fileShare() {
        throw unsupported("serve the constellation's share (the controller does)");
    }

    @Override
    public FileShareClient fileShareClient() {
        throw unsupported("be driven as a share client by the agent (users reach the share from Explorer)");
    }

    @Override
    public RemoteDesktop remoteDesktop() {
        return desktop;
    }

    @Override
    public BatchScheduler batchScheduler() {
        throw unsupported("run the batch scheduler (the controller is a Linux guest with Slurm)");
    }

    @Override
    public BatchNode batchNode() {
        throw unsupported("be a batch node (Slurm has no Windows daemon)");
    }

    @Override
    public Scripts scripts() {
        return scripts;
    }

    @Override
    public Power power() {
        return power;
    }

    // ---- parts ----------------------------------------------------------------------------------------------

    private final class Member implements DomainMember {
        @Override
        public synchronized void join(DomainName domain, Ipv4Address controllerAddress, ComputerName computerName,
                Secret oneTimePassword) {
            requireNonNull(oneTimePassword, "oneTimePassword is null");
            Map<String, String> environment = new LinkedHashMap<>();
            environment.put("ASTERISM_DOMAIN", domain.value());
            environment.put("ASTERISM_CONTROLLER", controllerAddress.value());
            environment.put("ASTERISM_COMPUTER", computerName.value());
            environment.put("ASTERISM_ONE_TIME_PASSWORD", oneTimePassword.reveal());
            PowerShell.Result result = run("join-domain", environment, JOIN);
            if (!result.succeeded()) {
                throw joinFailure(result.output());
            }
            Properties state = load();
            state.setProperty("domain", domain.value());
            state.setProperty("computer", computerName.value());
            state.setProperty("controller", controllerAddress.value());
            store(state);
            if (!result.output().strip().equals("joined already")) {
                power.reboot();
            }
        }

        @Override
        public synchronized void useController(Ipv4Address controllerAddress) {
            require(run("use-controller", Map.of("ASTERISM_CONTROLLER", controllerAddress.value()), SHORT),
                    "point DNS at the controller");
            Properties state = load();
            state.setProperty("controller", controllerAddress.value());
            store(state);
        }

        @Override
        public Optional<DomainMembership> membership() {
            String[] line = require(run("membership", Map.of(), SHORT), "read the domain membership").output()
                    .strip().split(" ");
            Properties state = load();
            if (line.length < 3 || !line[0].equalsIgnoreCase("True") || state.getProperty("controller") == null) {
                return Optional.empty();
            }
            return Optional.of(new DomainMembership(DomainName.of(line[1].toUpperCase(Locale.ROOT)),
                    ComputerName.of(line[2].toUpperCase(Locale.ROOT)), Ipv4Address.of(state.getProperty("controller"))));
        }
    }

    private final class WindowsFirewall implements Firewall {
        @Override
        public synchronized void applyBaseline(FirewallBaseline baseline) {
            List<String> lines = new ArrayList<>();
            for (FirewallRule rule : baseline.rules()) {
                lines.add(line(rule));
            }
            require(run("firewall-baseline", Map.of("ASTERISM_RULES", String.join("\n", lines)), SHORT),
                    "apply the firewall baseline");
            Properties state = load();
            state.setProperty("baseline", String.join("\n", lines));
            store(state);
        }

        @Override
        public Optional<FirewallBaseline> baseline() {
            String stored = load().getProperty("baseline");
            if (stored == null) {
                return Optional.empty();
            }
            List<FirewallRule> rules = new ArrayList<>();
            for (String line : stored.split("\n")) {
                if (!line.isBlank()) {
                    rules.add(rule(line));
                }
            }
            return Optional.of(new FirewallBaseline(rules));
        }

        @Override
        public void openLease(String leaseId, Ipv4Address source, List<PortRange> ports, Instant expiresAt) {
            throw unsupported("hold port leases (they are opened on the controller, whose kernel expires them)");
        }

        @Override
        public void closeLease(String leaseId) {
            throw unsupported("hold port leases (they are opened on the controller, whose kernel expires them)");
        }

        @Override
        public List<PortLease> openLeases() {
            return List.of();
        }
    }

    private final class Spoke implements VpnSpoke {
        @Override
        public synchronized VpnPublicKey ensureInterface() {
            return VpnPublicKey.of(require(run("vpn-spoke-key", Map.of(), SHORT), "make the spoke's key").output()
                    .strip());
        }

        @Override
        public synchronized void configure(VpnSpokeConfig config) {
            ensureInterface();
            Map<String, String> environment = new LinkedHashMap<>();
            environment.put("ASTERISM_OVERLAY_ADDRESS", config.overlayAddress().value());
            environment.put("ASTERISM_ALLOWED_SUBNET", config.allowedSubnet().toString());
            environment.put("ASTERISM_HUB_PUBLIC_KEY", config.hubPublicKey().value());
            environment.put("ASTERISM_HUB_ENDPOINT", config.hubEndpoint().address().value() + ":"
                    + config.hubEndpoint().port());
            require(run("vpn-spoke-configure", environment, SHORT), "install the tunnel service");
            Properties state = load();
            state.setProperty("spoke.overlayAddress", config.overlayAddress().value());
            state.setProperty("spoke.allowedSubnet", config.allowedSubnet().toString());
            state.setProperty("spoke.hubPublicKey", config.hubPublicKey().value());
            state.setProperty("spoke.hubEndpoint", config.hubEndpoint().address().value() + ":"
                    + config.hubEndpoint().port());
            store(state);
        }

        @Override
        public void persist() {
            // The tunnel service starts at every boot by itself: there is nothing more to keep.
        }

        @Override
        public Optional<VpnSpokeConfig> configuration() {
            Properties state = load();
            String endpoint = state.getProperty("spoke.hubEndpoint");
            if (endpoint == null) {
                return Optional.empty();
            }
            int colon = endpoint.lastIndexOf(':');
            return Optional.of(new VpnSpokeConfig(VpnPublicKey.of(state.getProperty("spoke.hubPublicKey")),
                    new Endpoint(Ipv4Address.of(endpoint.substring(0, colon)),
                            Integer.parseInt(endpoint.substring(colon + 1))),
                    Ipv4Address.of(state.getProperty("spoke.overlayAddress")),
                    Ipv4Subnet.of(state.getProperty("spoke.allowedSubnet"))));
        }

        @Override
        public Optional<Instant> latestHandshake() {
            String output = require(run("vpn-spoke-handshake", Map.of(), SHORT), "read the spoke's handshake")
                    .output().strip();
            if (output.isEmpty() || output.equals("0")) {
                return Optional.empty();
            }
            try {
                return Optional.of(Instant.ofEpochSecond(Long.parseLong(output)));
            } catch (NumberFormatException e) {
                throw new GuestException(Code.UNAVAILABLE, "wg.exe printed a handshake time that is not a number");
            }
        }
    }

    private final class Desktop implements RemoteDesktop {
        @Override
        public synchronized void enable(int port) {
            if (port < 1 || port > 65535) {
                throw new GuestException(Code.INVALID, "a remote desktop port is from 1 to 65535, not " + port);
            }
            String controller = load().getProperty("controller");
            if (controller == null) {
                throw new GuestException(Code.NOT_FOUND, "this computer has not joined a domain: join it first");
            }
            require(run("remote-desktop-enable", Map.of("ASTERISM_PORT", Integer.toString(port),
                    "ASTERISM_USERS_GROUP", DomainController.USERS_GROUP,
                    "ASTERISM_SHARE", "\\\\" + controller + "\\" + FileShare.CONSTELLATION_SHARE), SHORT), "turn remote desktop on");
        }

        @Override
        public synchronized void restrictClipboard(ClipboardRule rule) {
            requireNonNull(rule, "rule is null");
            require(run("remote-desktop-clipboard", Map.of("ASTERISM_TO_DESKTOP", Boolean.toString(rule.toDesktop()),
                    "ASTERISM_FROM_DESKTOP", Boolean.toString(rule.fromDesktop())), SHORT), "set the clipboard rule");
        }

        @Override
        public ClipboardRule clipboardRule() {
            String[] words = require(run("remote-desktop-clipboard-rule", Map.of(), SHORT), "read the clipboard rule")
                    .output().strip().split("\\s+");
            if (words.length != 2) {
                throw new GuestException(Code.UNAVAILABLE, "the clipboard rule came back as '" + String.join(" ", words)
                        + "', not two words");
            }
            return ClipboardRule.of(words[0].equals("true"), words[1].equals("true"));
        }

        @Override
        public List<String> sessions() {
            return require(run("remote-desktop-sessions", Map.of(), SHORT), "list the sessions").output().lines()
                    .map(String::strip).filter(line -> !line.isEmpty()).distinct().sorted().toList();
        }

        @Override
        public void endSessions(String userName) {
            if (userName == null || !USER.matcher(userName).matches()) {
                throw new GuestException(Code.INVALID, "a user name is 1 to 20 letters, digits, dots, hyphens and"
                        + " underscores");
            }
            require(run("remote-desktop-end-sessions", Map.of("ASTERISM_USER", userName), SHORT),
                    "end the sessions of " + userName);
        }

        @Override
        public Optional<Integer> listeningPort() {
            String output = require(run("remote-desktop-port", Map.of(), SHORT), "read the remote desktop port")
                    .output().strip();
            return output.isEmpty() ? Optional.empty() : Optional.of(Integer.valueOf(output));
        }
    }

    private final class PowerShellScripts implements Scripts {
        @Override
        public ScriptResult run(String name, String script, Map<String, Secret> secretEnvironment, Duration timeout) {
            if (name == null || !STEP_NAME.matcher(name).matches()) {
                throw new GuestException(Code.INVALID, "a script's name is 1 to 64 letters, digits, dots, hyphens"
                        + " and underscores");
            }
            if (script == null || script.isBlank()) {
                throw new GuestException(Code.INVALID, "script " + name + " is empty");
            }
            Map<String, String> environment = new LinkedHashMap<>();
            secretEnvironment.forEach((variable, secret) -> environment.put(variable, secret.reveal()));
            PowerShell.Result result = shell.run(name, script, environment, timeout);
            return ScriptResult.of(result.exitCode(), result.output());
        }
    }

    private final class WindowsPower implements Power {
        @Override
        public void reboot() {
            require(run("reboot", Map.of(), SHORT), "restart the computer");
            afterRestartRequested.run();
        }

        @Override
        public String bootId() {
            return require(run("boot-id", Map.of(), SHORT), "read the boot time").output().strip();
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private PowerShell.Result run(String script, Map<String, String> environment, Duration timeout) {
        return shell.run(script, PowerShell.script(script), environment, timeout);
    }

    private static PowerShell.Result require(PowerShell.Result result, String what) {
        if (!result.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, "could not " + what + " (exit " + result.exitCode() + "): "
                    + lastLine(result.output()));
        }
        return result;
    }

    /**
     * Add-Computer's refusals, by the words Windows uses: a wrong or used one-time password, an unknown account,
     * an unreachable controller.
     */
    private static GuestException joinFailure(String output) {
        String text = output.toLowerCase(Locale.ROOT);
        if (text.contains("password is incorrect") || text.contains("logon failure")) {
            return new GuestException(Code.INVALID, "the domain refused the one-time password (wrong, or used"
                    + " already): preset the computer anew");
        }
        if (text.contains("could not be contacted") || text.contains("network path was not found")) {
            return new GuestException(Code.UNAVAILABLE, "the domain controller could not be reached for the join");
        }
        if (text.contains("account") && text.contains("not")) {
            return new GuestException(Code.NOT_FOUND, "the domain has no preset account for this computer");
        }
        return new GuestException(Code.UNAVAILABLE, "the join failed: " + lastLine(output));
    }

    private static String lastLine(String output) {
        String[] lines = output.strip().split("\n");
        return lines.length == 0 ? "" : lines[lines.length - 1].strip();
    }

    /** A baseline rule as the script reads it: PROTOCOL FIRST-LAST SOURCE/PREFIX. */
    static String line(FirewallRule rule) {
        PortRange ports = rule.ports();
        String protocol = switch (ports.protocol()) {
            case TCP -> "TCP";
            case UDP -> "UDP";
            case ICMP -> "ICMPv4";
        };
        return protocol + " " + ports.first() + "-" + ports.last() + " " + rule.sources();
    }

    private static FirewallRule rule(String line) {
        String[] parts = line.split(" ");
        String[] ports = parts[1].split("-");
        PortRange.Protocol protocol = switch (parts[0]) {
            case "TCP" -> PortRange.Protocol.TCP;
            case "UDP" -> PortRange.Protocol.UDP;
            default -> PortRange.Protocol.ICMP;
        };
        return new FirewallRule(Ipv4Subnet.of(parts[2]),
                new PortRange(protocol, Integer.parseInt(ports[0]), Integer.parseInt(ports[1])));
    }

    private Properties load() {
        Properties properties = new Properties();
        if (Files.exists(stateFile)) {
            try (Reader reader = Files.newBufferedReader(stateFile, StandardCharsets.UTF_8)) {
                properties.load(reader);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return properties;
    }

    private void store(Properties properties) {
        try {
            Files.createDirectories(stateFile.getParent());
            Path temporary = stateFile.resolveSibling(stateFile.getFileName() + ".tmp");
            try (Writer writer = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
                properties.store(writer, "the Windows guest platform's state; no secret is kept here");
            }
            Files.move(temporary, stateFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new GuestException(Code.UNAVAILABLE, "cannot write " + stateFile + ": " + e.getMessage(), e);
        }
    }

    private static GuestException unsupported(String what) {
        return new GuestException(Code.UNSUPPORTED, "a Windows guest cannot " + what);
    }
}
