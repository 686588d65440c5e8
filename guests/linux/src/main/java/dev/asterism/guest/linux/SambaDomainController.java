package dev.asterism.guest.linux;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.ComputerAccount;
import dev.asterism.spi.guest.ComputerName;
import dev.asterism.spi.guest.DomainController;
import dev.asterism.spi.guest.DomainName;
import dev.asterism.spi.guest.GuestException.Code;
import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.PortRange;
import dev.asterism.spi.guest.Secret;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The domain controller on Samba AD: {@code samba-tool domain provision} (internal DNS, rfc2307), the {@code samba}
 * daemon, {@code adcli preset-computer} for one-time passwords, {@code samba-tool} for users and computers, and the
 * directory itself ({@code ldbsearch} on {@code sam.ldb}) to tell a joined computer from a preset one: a join sets a
 * new machine password, which raises the account's key version past the one its preset left, recorded then.
 *
 * <p>Samba's files are at their standard places ({@code /etc/samba}, {@code /var/lib/samba}); a netns host has its
 * own. A provisioned tree can be saved to a cache keyed by everything provisioning depends on (domain, host name,
 * address, administrator password) and copied back for the same key in a fraction of the provisioning time; trees of
 * other domains are never reused.
 */
final class SambaDomainController implements DomainController {
    private static final String SMB_CONF = "/etc/samba/smb.conf";
    private static final String SAM = "/var/lib/samba/private/sam.ldb";
    /** The domain administrator's password, kept on the controller only (root, 0600) for presets. */
    private static final String ADMINISTRATOR = LinuxGuestPlatform.STATE_DIRECTORY + "/domain-administrator";
    private static final String PRESETS = LinuxGuestPlatform.STATE_DIRECTORY + "/presets";
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9._-]{1,20}");
    private static final Pattern REALM = Pattern.compile("(?m)^\\s*realm\\s*=\\s*(\\S+)\\s*$");
    private static final Pattern KEY_VERSION = Pattern.compile("(?m)^msDS-KeyVersionNumber: (\\d+)$");
    private static final List<String> BUILT_IN_USERS = List.of("administrator", "guest", "krbtgt");
    private static final Duration PROVISION_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final List<PortRange> JOIN_PORTS = List.of(
            PortRange.tcp(53), PortRange.tcp(88), PortRange.tcp(135), PortRange.tcp(139), PortRange.tcp(389),
            PortRange.tcp(445), PortRange.tcp(464), PortRange.tcp(636), PortRange.tcp(3268, 3269),
            PortRange.tcp(49152, 65535), PortRange.udp(53), PortRange.udp(88), PortRange.udp(123), PortRange.udp(389),
            PortRange.udp(464), PortRange.icmpEcho());

    private final HostCommands commands;
    private final String hostName;
    private final Optional<String> provisionCache;
    private final ChronyTime time;

    SambaDomainController(HostCommands commands, String hostName, Optional<String> provisionCache, ChronyTime time) {
        this.commands = requireNonNull(commands, "commands is null");
        this.time = requireNonNull(time, "time is null");
        this.hostName = requireNonNull(hostName, "hostName is null");
        this.provisionCache = requireNonNull(provisionCache, "provisionCache is null");
    }

    @Override
    public synchronized void provision(DomainName domain, Secret administratorPassword) {
        requireNonNull(domain, "domain is null");
        requireNonNull(administratorPassword, "administratorPassword is null");
        Optional<DomainName> current = provisionedDomain();
        if (current.isPresent()) {
            if (!current.get().equals(domain)) {
                throw new GuestException(Code.CONFLICT, "this guest is the controller of " + current.get()
                        + " already; it cannot also provision " + domain);
            }
            ensureRunning();
            time.serve();
            return;
        }
        String address = ownAddress();
        String cached = provisionCache.map(directory -> directory + "/" + cacheKey(domain, address, administratorPassword))
                .orElse(null);
        if (cached == null || !restoreFrom(cached)) {
            provisionAfresh(domain, administratorPassword, address);
            if (cached != null) {
                commands.run(List.of("sh", "-c", "umask 077 && mkdir -p \"$1.new\" && cp -a /var/lib/samba/. \"$1.new/lib\""
                        + " && cp -a /etc/samba/. \"$1.new/etc\" && rm -rf \"$1\" && mv \"$1.new\" \"$1\"", "sh", cached),
                        null, Map.of(), PROVISION_TIMEOUT);
            }
        }
        commands.writeText(ADMINISTRATOR, administratorPassword.reveal());
        configureClients(domain, address);
        ensureRunning();
        // The domain's clock: members' Kerberos (and munge) must agree with it.
        time.serve();
    }

    @Override
    public Optional<DomainName> provisionedDomain() {
        // One look: the directory must exist (its size is megabytes: never read it), then the realm of smb.conf.
        HostCommands.Result config = commands.run(List.of("sh", "-c",
                "[ -e \"$1\" ] && [ -e \"$2\" ] || exit 3; exec cat \"$2\"", "sh", SAM, SMB_CONF), null);
        if (config.exitCode() == 3) {
            return Optional.empty();
        }
        if (!config.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, "cannot read " + SMB_CONF + ": " + config.printed());
        }
        Matcher realm = REALM.matcher(config.output());
        return realm.find() ? Optional.of(DomainName.of(realm.group(1))) : Optional.empty();
    }

    @Override
    public List<PortRange> joinPorts() {
        return JOIN_PORTS;
    }

    @Override
    public synchronized void presetComputer(ComputerName computerName, Secret oneTimePassword) {
        requireNonNull(computerName, "computerName is null");
        requireNonNull(oneTimePassword, "oneTimePassword is null");
        DomainName domain = requireDomain();
        ensureRunning();
        Secret administratorPassword = administratorPassword();
        if (keyVersion(computerName).isPresent()) {
            // adcli refuses to preset an account in use: a new preset starts from a new account.
            samba("delete computer " + computerName + " before its new preset", "computer", "delete", computerName.value());
        }
        // adcli takes the administrator's password on standard input; the one-time password only as an argument.
        HostCommands.Result preset = commands.run(List.of("sh", "-c", "exec adcli preset-computer --domain=\"$1\""
                + " --domain-controller=127.0.0.1 --login-user=Administrator --stdin-password"
                + " --one-time-password=\"$ASTERISM_OTP\" \"$2\"", "sh", domain.dnsName(), computerName.value()),
                (administratorPassword.reveal() + "\n").getBytes(StandardCharsets.UTF_8),
                Map.of("ASTERISM_OTP", oneTimePassword.reveal()), START_TIMEOUT);
        if (!preset.succeeded()) {
            String printed = preset.printed();
            throw new GuestException(printed.contains("constraint") || printed.contains("password") ? Code.INVALID
                    : Code.UNAVAILABLE, "cannot preset computer " + computerName + ": " + lastLine(printed));
        }
        commands.writeText(PRESETS + "/" + computerName.value(), keyVersion(computerName).orElse(0) + "\n");
    }

    @Override
    public boolean verifyJoin(ComputerName computerName) {
        requireNonNull(computerName, "computerName is null");
        requireDomain();
        Optional<Integer> version = keyVersion(computerName);
        if (version.isEmpty()) {
            return false;
        }
        int preset = commands.readText(PRESETS + "/" + computerName.value()).map(String::strip).map(Integer::parseInt)
                .orElse(Integer.MAX_VALUE);
        return version.get() > preset;
    }

    @Override
    public synchronized void removeComputer(ComputerName computerName) {
        requireNonNull(computerName, "computerName is null");
        if (provisionedDomain().isEmpty()) {
            return;
        }
        if (keyVersion(computerName).isPresent()) {
            samba("delete computer " + computerName, "computer", "delete", computerName.value());
        }
        commands.delete(PRESETS + "/" + computerName.value());
    }

    @Override
    public List<ComputerAccount> computers() {
        if (provisionedDomain().isEmpty()) {
            return List.of();
        }
        String own = netbiosHostName(hostName).toUpperCase(Locale.ROOT) + "$";
        List<ComputerAccount> accounts = new ArrayList<>();
        for (String line : samba("list computers", "computer", "list").lines().map(String::strip).toList()) {
            if (line.endsWith("$") && !line.equalsIgnoreCase(own)) {
                ComputerName name = ComputerName.of(line.substring(0, line.length() - 1));
                accounts.add(new ComputerAccount(name, verifyJoin(name)));
            }
        }
        return accounts;
    }

    @Override
    public synchronized void createUser(String userName, Secret password) {
        requireUser(userName);
        requireNonNull(password, "password is null");
        requireDomain();
        boolean exists = users().contains(userName.toLowerCase(Locale.ROOT));
        // samba-tool reads no password from standard input: it is an argument of a command that runs for a moment
        // inside the controller; the domain's own password rules check it.
        HostCommands.Result result = exists
                ? commands.run(List.of("samba-tool", "user", "setpassword", userName, "--newpassword=" + password.reveal()),
                        null, Map.of(), START_TIMEOUT)
                : commands.run(List.of("samba-tool", "user", "create", userName, password.reveal()), null, Map.of(),
                        START_TIMEOUT);
        if (!result.succeeded()) {
            String printed = result.printed().replace(password.reveal(), "<password>");
            throw new GuestException(printed.contains("password") || printed.contains("constraint") ? Code.INVALID
                    : Code.UNAVAILABLE, "cannot " + (exists ? "set the password of " : "create ") + "user " + userName
                    + ": " + lastLine(printed));
        }
    }

    @Override
    public synchronized void removeUser(String userName) {
        requireUser(userName);
        requireDomain();
        if (users().contains(userName.toLowerCase(Locale.ROOT))) {
            samba("delete user " + userName, "user", "delete", userName);
        }
    }

    @Override
    public List<String> users() {
        if (provisionedDomain().isEmpty()) {
            return List.of();
        }
        return samba("list users", "user", "list").lines().map(String::strip).filter(line -> !line.isEmpty())
                .map(line -> line.toLowerCase(Locale.ROOT)).filter(line -> !BUILT_IN_USERS.contains(line)).sorted()
                .toList();
    }

    @Override
    public synchronized void addToGroup(String groupName, String userName) {
        requireUser(groupName);
        requireUser(userName);
        requireDomain();
        String user = userName.toLowerCase(Locale.ROOT);
        if (!users().contains(user)) {
            throw new GuestException(Code.NOT_FOUND, "no domain user " + userName);
        }
        if (groupMembers(groupName).contains(user)) {
            return;
        }
        if (!samba("list groups", "group", "list").lines().map(String::strip)
                .anyMatch(groupName::equalsIgnoreCase)) {
            samba("add the group " + groupName, "group", "add", groupName);
        }
        samba("add " + userName + " to " + groupName, "group", "addmembers", groupName, userName);
    }

    @Override
    public List<String> groupMembers(String groupName) {
        requireUser(groupName);
        if (provisionedDomain().isEmpty()) {
            return List.of();
        }
        HostCommands.Result listed = commands.run(List.of("samba-tool", "group", "listmembers", groupName), null,
                Map.of(), START_TIMEOUT);
        if (!listed.succeeded()) {
            if (listed.printed().contains("not found") || listed.printed().contains("Unable to find")) {
                return List.of();
            }
            throw new GuestException(Code.UNAVAILABLE, "cannot list the members of " + groupName + ": "
                    + lastLine(listed.printed()));
        }
        return listed.output().lines().map(String::strip).filter(line -> !line.isEmpty())
                .map(line -> line.toLowerCase(Locale.ROOT)).sorted().toList();
    }

    /** Starts the services after a boot when a domain is provisioned here. */
    synchronized void restore() {
        if (provisionedDomain().isPresent()) {
            ensureRunning();
        }
    }

    /** Makes the running services read the configuration again (after a share changed). */
    void reloadConfiguration() {
        ensureRunning();
        HostCommands.Result reloaded = commands.run(List.of("smbcontrol", "all", "reload-config"), null);
        if (!reloaded.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, "cannot reload Samba's configuration: " + reloaded.printed());
        }
    }

    // ---- provisioning and the daemon

    private void provisionAfresh(DomainName domain, Secret administratorPassword, String address) {
        // Debian's default smb.conf (a standalone server) makes provisioning refuse to start.
        commands.delete(SMB_CONF);
        commands.run(List.of("sh", "-c", "rm -rf /var/lib/samba/* /var/cache/samba/*"), null);
        HostCommands.Result provisioned = commands.run(List.of("samba-tool", "domain", "provision", "--use-rfc2307",
                "--server-role=dc", "--dns-backend=SAMBA_INTERNAL", "--realm=" + domain.value(),
                "--domain=" + domain.netbiosName(), "--host-name=" + netbiosHostName(hostName), "--host-ip=" + address,
                // Only the controller's own address goes into the domain's DNS: a VM's other NICs (QEMU's
                // management NIC) must never be what members are told to reach.
                "--option=interfaces=127.0.0.1/8 " + address + "/32",
                "--adminpass=" + administratorPassword.reveal()), null, Map.of(), PROVISION_TIMEOUT);
        if (!provisioned.succeeded()) {
            String printed = provisioned.printed().replace(administratorPassword.reveal(), "<password>");
            commands.delete(SMB_CONF);
            commands.run(List.of("sh", "-c", "rm -rf /var/lib/samba/*"), null);
            throw new GuestException(printed.contains("password") ? Code.INVALID : Code.UNAVAILABLE,
                    "cannot provision " + domain + ": " + lastLine(printed) + (printed.contains("samba-ad-provision")
                            ? " (install samba-ad-provision)" : ""));
        }
        String config = commands.readText(SMB_CONF).orElseThrow(() -> new GuestException(Code.UNAVAILABLE,
                "provisioning wrote no " + SMB_CONF));
        // Provisioning copies the machine's resolver into "dns forwarder": a constellation's DNS never asks outside.
        config = config.lines().filter(line -> !line.strip().startsWith("dns forwarder"))
                .reduce("", (text, line) -> text + line + "\n");
        config += "\n[global]\n\tname cache timeout = 0\n\tinclude = " + SambaFileShare.SHARES + "\n";
        commands.writeText(SMB_CONF, config);
        commands.writeText(SambaFileShare.SHARES, "");
        commands.run(List.of("chmod", "644", SMB_CONF, SambaFileShare.SHARES), null);
        // People choose their desktop passwords through Asterism: they do not expire under them (Samba's default
        // is 42 days, after which every desktop login would fail).
        samba("keep passwords from expiring", "domain", "passwordsettings", "set", "--max-pwd-age=0");
    }

    /**
     * The controller's own Kerberos and name resolution: its FQDN in the domain for its address in
     * {@code /etc/hosts}, its own Samba DNS as its only resolver (Kerberos finds the KDC by SRV records), and no
     * reverse-DNS canonicalization, which would turn the directory's name into the machine's host name and ask the
     * KDC for a service it does not have ("Server not found in Kerberos database").
     */
    private void configureClients(DomainName domain, String address) {
        String name = netbiosHostName(hostName);
        commands.writeText("/etc/krb5.conf", "[libdefaults]\n\tdefault_realm = " + domain.value()
                + "\n\tdns_lookup_realm = false\n\tdns_lookup_kdc = true\n\trdns = false\n"
                + "\tdns_canonicalize_hostname = false\n");
        commands.writeText("/etc/hosts", "127.0.0.1 localhost\n" + address + " " + name + "." + domain.dnsName() + " "
                + name + "\n");
        commands.delete("/etc/resolv.conf");
        commands.writeText("/etc/resolv.conf", "options timeout:1 attempts:1\nsearch " + domain.dnsName()
                + "\nnameserver 127.0.0.1\n");
        commands.run(List.of("chmod", "644", "/etc/krb5.conf", "/etc/hosts", "/etc/resolv.conf"), null);
    }

    private boolean restoreFrom(String cached) {
        HostCommands.Result restored = commands.run(List.of("sh", "-c", "[ -d \"$1/lib/private\" ] || exit 3;"
                + " rm -rf /var/lib/samba/* && cp -a \"$1/lib/.\" /var/lib/samba/ && rm -rf /etc/samba/*"
                + " && cp -a \"$1/etc/.\" /etc/samba/",
                "sh", cached), null, Map.of(), PROVISION_TIMEOUT);
        return restored.succeeded();
    }

    private void ensureRunning() {
        if (!answering()) {
            HostCommands.Result pid = commands.run(List.of("sh", "-c",
                    "[ -s /run/samba/samba.pid ] && kill -0 \"$(cat /run/samba/samba.pid)\" 2>/dev/null"), null);
            if (!pid.succeeded()) {
                HostCommands.Result started = commands.run(List.of("sh", "-c", "mkdir -p /run/samba /var/log/samba"
                        + " && exec samba -D </dev/null >>/var/log/samba/asterism-start.log 2>&1"), null);
                if (!started.succeeded()) {
                    throw new GuestException(Code.UNAVAILABLE, "cannot start samba: " + started.printed()
                            + " (see /var/log/samba on the controller)");
                }
            }
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (!answering()) {
                if (System.nanoTime() > deadline) {
                    throw new GuestException(Code.TIMEOUT, "samba did not answer on DNS, Kerberos, LDAP and SMB within "
                            + START_TIMEOUT.toSeconds() + " s (see /var/log/samba on the controller)");
                }
                pause();
            }
            // samba runs these itself at start, but kills them after a few seconds: on a slow guest (QEMU without
            // KVM) they never finish, and without the ldap/ service names no client can bind with Kerberos
            // ("Server not found in Kerberos database"). Both are idempotent.
            for (String update : List.of("samba_spnupdate", "samba_dnsupdate")) {
                commands.run(List.of(update), null, Map.of(), PROVISION_TIMEOUT);
            }
        }
    }

    /** Whether DNS, Kerberos, LDAP and SMB accept connections. */
    private boolean answering() {
        return commands.run(List.of("python3", "-c", "import socket\nfor p in (53, 88, 389, 445):\n"
                + "    socket.create_connection(('127.0.0.1', p), 1).close()"), null).succeeded();
    }

    // ---- helpers

    private DomainName requireDomain() {
        return provisionedDomain().orElseThrow(() -> new GuestException(Code.NOT_FOUND,
                "no domain is provisioned on this guest; provision it first"));
    }

    private Secret administratorPassword() {
        return commands.readText(ADMINISTRATOR).map(String::strip)
                .map(Secret::of).orElseThrow(() -> new GuestException(Code.NOT_FOUND,
                        "the domain administrator's password is not on this guest; provision the domain again"));
    }

    private Optional<Integer> keyVersion(ComputerName computerName) {
        HostCommands.Result found = commands.run(List.of("ldbsearch", "-H", SAM,
                "(&(objectClass=computer)(sAMAccountName=" + computerName.value() + "$))", "msDS-KeyVersionNumber"), null);
        if (!found.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, "cannot read the directory: " + lastLine(found.printed()));
        }
        Matcher version = KEY_VERSION.matcher(found.output());
        return version.find() ? Optional.of(Integer.parseInt(version.group(1))) : Optional.empty();
    }

    private String samba(String what, String... arguments) {
        List<String> command = new ArrayList<>(List.of("samba-tool"));
        command.addAll(List.of(arguments));
        HostCommands.Result result = commands.run(command, null, Map.of(), START_TIMEOUT);
        if (!result.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, "cannot " + what + ": " + lastLine(result.printed()));
        }
        return result.output();
    }

    private String ownAddress() {
        String shown = commands.require(List.of("ip", "-o", "-4", "addr", "show", "scope", "global"), "read addresses");
        return shown.lines().map(line -> line.trim().split("\\s+")).filter(fields -> fields.length > 3)
                .filter(fields -> !fields[1].startsWith("ast")).map(fields -> fields[3].substring(0, fields[3].indexOf('/')))
                .findFirst().orElseThrow(() -> new GuestException(Code.UNAVAILABLE,
                        "this guest has no IPv4 address for the domain controller"));
    }

    private String cacheKey(DomainName domain, String address, Secret administratorPassword) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (String part : List.of(domain.value(), netbiosHostName(hostName), address, administratorPassword.reveal())) {
                digest.update(part.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The controller's name in the domain: its host name when that has at most 15 characters (NetBIOS), else the
     * first 10 and a hash of the whole. Samba truncates a longer name to 15 characters for its own principals, and
     * Kerberos then cannot find the directory's service names ("Server not found in Kerberos database").
     */
    static String netbiosHostName(String hostName) {
        String lower = hostName.toLowerCase(Locale.ROOT);
        if (lower.length() <= 15) {
            return lower;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(lower.getBytes(StandardCharsets.UTF_8));
            String prefix = lower.substring(0, 10);
            return (prefix.endsWith("-") ? prefix.substring(0, 9) + "x" : prefix) + "-" + HexFormat.of().formatHex(digest, 0, 2);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void requireUser(String userName) {
        if (userName == null || !USER.matcher(userName).matches()) {
            throw new GuestException(Code.INVALID, "a user name is 1 to 20 letters, digits, dots, hyphens and underscores");
        }
    }

    private static String lastLine(String printed) {
        List<String> lines = printed.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
        return lines.isEmpty() ? "(nothing printed)" : lines.getLast();
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuestException(Code.UNAVAILABLE, "interrupted while waiting for samba");
        }
    }
}
