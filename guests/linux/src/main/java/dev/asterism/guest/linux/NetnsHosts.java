package dev.asterism.guest.linux;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestException.Code;
import dev.asterism.spi.guest.Ipv4Address;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Lightweight Linux hosts on this machine, each made of its own network, UTS and mount namespaces: the guests of the
 * {@code netns} realm and of the linux platform's tests. A host sees this machine's programs, but has
 *
 * <ul>
 *   <li>its own network: a loopback and {@code eth0}, a veth whose other end is a port of a bridge in the host's
 *       <em>segment</em>, a namespace of its own with no address and no route anywhere, so hosts of one segment reach
 *       each other and nothing else;</li>
 *   <li>its own host name;</li>
 *   <li>its own files where a guest writes: {@code /etc} is an overlay whose changes stay with the host,
 *       {@code /var/lib/samba}, {@code /var/cache/samba}, {@code /var/log/samba}, {@code /var/lib/asterism},
 *       {@code /srv}, {@code /var/lib/sss}, {@code /var/log/sssd}, {@code /home}, munge's and Slurm's
 *       {@code /var/lib} and {@code /var/log} directories are the host's own, {@code /run} and {@code /tmp} are fresh memory file systems
 *       (emptied by a {@link #reboot}), and the directory holding every host's files is hidden.</li>
 * </ul>
 *
 * <p>Every name this class creates starts with its prefix: namespaces {@code PREFIX-h-NAME} and {@code PREFIX-s-SEGMENT},
 * files under {@code /run/asterism-netns/PREFIX} and {@code /var/lib/asterism-netns/PREFIX}, so that
 * {@link #removeLeftovers} finds everything of a crashed run and nothing else. Creating and destroying are
 * idempotent. Needs root, iproute2 and util-linux.
 *
 * <p>The hosts share this machine's kernel (one clock, one kernel module set) and, outside the directories above, its
 * files: they isolate networks, not files. Use the qemu realm where a guest must not see the machine's files.
 */
public final class NetnsHosts {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,40}");
    private static final Path RUN = Path.of("/run/asterism-netns");
    private static final Path VAR = Path.of("/var/lib/asterism-netns");
    private static final List<String> OWN_DIRECTORIES =
            List.of("/var/lib/samba", "/var/cache/samba", "/var/log/samba", "/var/lib/asterism", "/srv", "/var/lib/sss",
                    "/var/log/sssd", "/home", "/var/lib/munge", "/var/log/munge", "/var/lib/slurm", "/var/log/slurm");
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    /** Where a host sees {@link #channelDirectory()}. */
    public static final String CHANNEL = "/run/asterism-channel";

    private final String prefix;
    private final Path runDirectory;
    private final Path rootDirectory;

    /**
     * The hosts whose names start with {@code prefix} (lower-case letters and digits, at most 12).
     *
     * @throws IllegalArgumentException for a bad prefix
     */
    public NetnsHosts(String prefix) {
        if (!prefix.matches("[a-z][a-z0-9]{0,11}")) {
            throw new IllegalArgumentException("a netns host prefix is 1 to 12 lower-case letters and digits: '"
                    + prefix + "'");
        }
        this.prefix = prefix;
        this.runDirectory = RUN.resolve(prefix);
        this.rootDirectory = VAR.resolve(prefix);
    }

    /**
     * A directory of this machine that every host of this prefix sees at {@value #CHANNEL}: the one way out of a
     * host, for a socket through which its agent reaches the server.
     */
    public Path channelDirectory() {
        return VAR.resolve(prefix + ".channel");
    }

    /** The hosts on {@code segment}. */
    public List<Host> hostsOn(String segment) {
        return hosts().stream().filter(host -> host.segment().equals(segment)).toList();
    }

    /** A host as created by {@link #createHost}. */
    public record Host(String name, String hostName, String segment, Ipv4Address address, String namespace, Path uts,
            Path mount, Path root) {
        /** Runs commands inside the host. */
        public HostCommands commands() {
            return HostCommands.entering(Path.of("/run/netns", namespace), uts, mount);
        }
    }

    /**
     * Makes the segment {@code segment} if it does not exist: a namespace with a bridge, no address and no route.
     *
     * @throws GuestException {@code UNAVAILABLE} when the namespace or bridge cannot be made
     */
    public void ensureSegment(String segment) {
        requireName(segment, "segment");
        String namespace = segmentNamespace(segment);
        if (!namespaces().contains(namespace)) {
            sh("ip netns add " + namespace);
            sh("ip -n " + namespace + " link set lo up");
        }
        if (!run("ip -n " + namespace + " link show br0").succeeded()) {
            sh("ip -n " + namespace + " link add br0 type bridge");
        }
        sh("ip -n " + namespace + " link set br0 up");
    }

    /**
     * Makes the host {@code name} on {@code segment} (made when missing) with {@code address}/{@code prefixLength}
     * on its {@code eth0}, or returns the existing one unchanged.
     *
     * @throws GuestException {@code UNAVAILABLE} when it cannot be made; nothing of it is left behind then
     */
    public synchronized Host createHost(String name, String hostName, String segment, Ipv4Address address,
            int prefixLength) {
        requireName(name, "host");
        if (hostName == null || !hostName.matches("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")) {
            throw new IllegalArgumentException("a host name is a DNS label: '" + hostName + "'");
        }
        requireNonNull(address, "address is null");
        Optional<Host> existing = find(name);
        if (existing.isPresent()) {
            return existing.get();
        }
        ensureSegment(segment);
        Host host = host(name, hostName, segment, address);
        try {
            sh("ip netns add " + host.namespace());
            String port = "v" + hash(name);
            sh("ip link add " + port + " netns " + segmentNamespace(segment) + " type veth peer name eth0 netns "
                    + host.namespace());
            sh("ip -n " + segmentNamespace(segment) + " link set " + port + " master br0 up");
            sh("ip -n " + host.namespace() + " addr add " + address.value() + "/" + prefixLength + " dev eth0");
            sh("ip -n " + host.namespace() + " link set lo up");
            sh("ip -n " + host.namespace() + " link set eth0 up");
            Files.createDirectories(host.root());
            Files.writeString(host.root().resolve("host.properties"), "segment=" + segment + "\naddress="
                    + address.value() + "\nprefixLength=" + prefixLength + "\nhostName=" + hostName + "\n",
                    StandardCharsets.UTF_8);
            mountFileSystems(host);
            HostCommands commands = host.commands();
            commands.delete("/etc/resolv.conf");
            commands.writeText("/etc/resolv.conf", "options timeout:1 attempts:1\nnameserver 127.0.0.1\n");
            commands.writeText("/etc/hosts", "127.0.0.1 localhost\n" + address.value() + " " + hostName + "\n");
            commands.run(List.of("chmod", "644", "/etc/resolv.conf", "/etc/hosts"), null);
            return host;
        } catch (IOException | RuntimeException e) {
            destroyHost(name);
            throw e instanceof GuestException guest ? guest
                    : new GuestException(Code.UNAVAILABLE, "cannot create host " + name + ": " + e.getMessage(), e);
        }
    }

    /** The host {@code name}, when it exists. */
    public Optional<Host> find(String name) {
        return namespaces().contains(hostNamespace(name)) ? recorded(name) : Optional.empty();
    }

    /** Every whole host of this prefix (its namespace and its record), with one look at the namespaces. */
    public List<Host> hosts() {
        return hostNames().stream().map(this::recorded).flatMap(Optional::stream).toList();
    }

    /** The host as its record in its directory says, whether or not its namespace exists. */
    private Optional<Host> recorded(String name) {
        Path properties = rootDirectory.resolve(name).resolve("host.properties");
        if (!Files.isRegularFile(properties)) {
            return Optional.empty();
        }
        try {
            Map<String, String> values = new java.util.HashMap<>();
            for (String line : Files.readAllLines(properties)) {
                int equals = line.indexOf('=');
                if (equals > 0) {
                    values.put(line.substring(0, equals), line.substring(equals + 1));
                }
            }
            return Optional.of(host(name, values.get("hostName"), values.get("segment"),
                    Ipv4Address.of(values.get("address"))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The names of every host of this prefix. */
    public List<String> hostNames() {
        String start = prefix + "-h-";
        return namespaces().stream().filter(n -> n.startsWith(start)).map(n -> n.substring(start.length())).toList();
    }

    /** The processes running in the host {@code name} (its network namespace). */
    public List<Long> processes(String name) {
        HostCommands.Result result = run("ip netns pids " + hostNamespace(name));
        if (!result.succeeded()) {
            return List.of();
        }
        return result.output().lines().map(String::strip).filter(l -> !l.isEmpty()).map(Long::parseLong).toList();
    }

    /**
     * Reboots the host: stops every process in it, empties its firewall, removes its links but {@code eth0}, and
     * gives it a fresh {@code /run} and {@code /tmp}. What it wrote to its own directories stays.
     */
    public synchronized void reboot(String name) {
        Host host = find(name).orElseThrow(() -> new GuestException(Code.NOT_FOUND, "no host " + name));
        stopProcesses(name);
        run("ip netns exec " + host.namespace() + " nft flush ruleset");
        HostCommands.Result links = run("ip -n " + host.namespace() + " -o link show");
        for (String line : links.output().lines().toList()) {
            String[] fields = line.split(":\\s*", 3);
            if (fields.length > 1) {
                String link = fields[1].replaceAll("@.*", "");
                if (!link.equals("lo") && !link.equals("eth0")) {
                    run("ip -n " + host.namespace() + " link del " + link);
                }
            }
        }
        unmountNamespaces(host);
        mountFileSystems(host);
    }

    /** Stops the host's processes, removes its namespaces, link and files. Destroying a missing host succeeds. */
    public synchronized void destroyHost(String name) {
        Host host = host(name, name, "", Ipv4Address.of("0.0.0.0"));
        stopProcesses(name);
        unmountNamespaces(host);
        run("ip netns del " + host.namespace());
        deleteTree(host.root());
    }

    /** Removes a segment; its hosts should be destroyed first. Removing a missing segment succeeds. */
    public void destroySegment(String segment) {
        run("ip netns del " + segmentNamespace(segment));
    }

    /**
     * Removes what a crash in the middle of {@link #createHost} or {@link #destroyHost} left: namespaces without
     * their host's record, files of hosts whose namespace is gone, and segments without hosts. Whole hosts stay.
     */
    public synchronized void removeDebris() {
        List<String> names = hostNames();
        for (String name : names) {
            if (recorded(name).isEmpty()) {
                destroyHost(name);
            }
        }
        if (Files.isDirectory(rootDirectory)) {
            try (var roots = Files.list(rootDirectory)) {
                for (Path root : roots.toList()) {
                    if (!names.contains(root.getFileName().toString())) {
                        destroyHost(root.getFileName().toString());
                    }
                }
            } catch (IOException e) {
                // What cannot be listed is left for the next start.
            }
        }
        List<String> segments = hosts().stream().map(Host::segment).toList();
        for (String namespace : namespaces()) {
            if (namespace.startsWith(prefix + "-s-") && !segments.contains(namespace.substring(prefix.length() + 3))) {
                run("ip netns del " + namespace);
            }
        }
    }

    /** Removes every host and segment of this prefix, with their files: the leftovers of a crashed run. */
    public synchronized void removeLeftovers() {
        for (String name : hostNames()) {
            destroyHost(name);
        }
        for (String namespace : namespaces()) {
            if (namespace.startsWith(prefix + "-s-")) {
                run("ip netns del " + namespace);
            }
        }
        if (Files.isDirectory(runDirectory)) {
            try (var files = Files.list(runDirectory)) {
                for (Path file : files.toList()) {
                    run("umount -l " + file);
                }
            } catch (IOException e) {
                // What cannot be listed is left for the next run.
            }
        }
        deleteTree(runDirectory);
        deleteTree(rootDirectory);
        deleteTree(channelDirectory());
    }

    private Host host(String name, String hostName, String segment, Ipv4Address address) {
        return new Host(name, hostName, segment, address, hostNamespace(name), runDirectory.resolve(name + ".uts"),
                runDirectory.resolve(name + ".mnt"), rootDirectory.resolve(name));
    }

    private String hostNamespace(String name) {
        return prefix + "-h-" + name;
    }

    private String segmentNamespace(String segment) {
        return prefix + "-s-" + segment;
    }

    /** The host's UTS and mount namespaces, bound at files so that they outlive the command that made them. */
    private void mountFileSystems(Host host) {
        ensurePrivateRunDirectory();
        try {
            Files.createDirectories(channelDirectory());
            Files.createDirectories(host.root().resolve("etc"));
            Files.createDirectories(host.root().resolve("etc-work"));
            for (String directory : OWN_DIRECTORIES) {
                Files.createDirectories(host.root().resolve(directory.substring(1)));
            }
            Files.createFile(host.uts());
            Files.createFile(host.mount());
        } catch (IOException e) {
            throw new GuestException(Code.UNAVAILABLE, "cannot prepare the files of host " + host.name() + ": " + e);
        }
        StringBuilder script = new StringBuilder("set -e\nhostname ").append(host.hostName()).append('\n')
                .append("mount -t overlay overlay -o lowerdir=/etc,upperdir=").append(host.root().resolve("etc"))
                .append(",workdir=").append(host.root().resolve("etc-work")).append(" /etc\n");
        for (String directory : OWN_DIRECTORIES) {
            script.append("mkdir -p ").append(directory).append('\n')
                    .append("mount --bind ").append(host.root().resolve(directory.substring(1))).append(' ')
                    .append(directory).append('\n');
        }
        script.append("mount -t tmpfs -o mode=755 tmpfs /run\nmount -t tmpfs -o mode=1777 tmpfs /tmp\n")
                .append("mkdir -p /run/samba /run/wireguard /run/lock ").append(CHANNEL).append('\n')
                .append("mount --bind ").append(channelDirectory()).append(' ').append(CHANNEL).append('\n')
                .append("mount -t tmpfs -o mode=700 tmpfs ").append(VAR).append('\n');
        HostCommands.Result result = HostCommands.local().run(List.of("unshare", "--mount=" + host.mount(),
                "--uts=" + host.uts(), "--propagation", "private", "sh", "-c", script.toString()), null, Map.of(), TIMEOUT);
        if (!result.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, "cannot make the namespaces of host " + host.name() + ": "
                    + result.printed());
        }
    }

    private void unmountNamespaces(Host host) {
        for (Path file : List.of(host.mount(), host.uts())) {
            if (Files.exists(file)) {
                run("umount " + file);
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    run("umount -l " + file);
                }
            }
        }
    }

    /** {@code unshare --mount=FILE} needs FILE on a mount with private propagation: this directory, bound on itself. */
    private void ensurePrivateRunDirectory() {
        try {
            Files.createDirectories(runDirectory);
            String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
            if (mounts.lines().noneMatch(line -> line.split(" ")[4].equals(RUN.toString()))) {
                sh("mount --bind " + RUN + " " + RUN);
            }
            sh("mount --make-private " + RUN);
        } catch (IOException e) {
            throw new GuestException(Code.UNAVAILABLE, "cannot prepare " + RUN + ": " + e.getMessage());
        }
    }

    private void stopProcesses(String name) {
        List<Long> pids = processes(name);
        for (String signal : List.of("TERM", "KILL")) {
            for (long pid : pids) {
                ProcessHandle.of(pid).ifPresent(process -> run("kill -" + signal + " " + pid));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < deadline && pids.stream().anyMatch(NetnsHosts::running)) {
                pause();
            }
            pids = pids.stream().filter(NetnsHosts::running).toList();
            if (pids.isEmpty()) {
                return;
            }
        }
    }

    /** Whether a process runs; a zombie counts as gone (this machine's init reaps orphans slowly). */
    public static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    private List<String> namespaces() {
        HostCommands.Result result = run("ip netns list");
        List<String> names = new ArrayList<>();
        result.output().lines().forEach(line -> {
            if (!line.isBlank()) {
                names.add(line.split(" ")[0]);
            }
        });
        return names;
    }

    private static void requireName(String name, String what) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a " + what + " name is 1 to 41 lower-case letters, digits and hyphens: '"
                    + name + "'");
        }
    }

    private static String hash(String name) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path directory) {
        run("rm -rf --one-file-system " + directory);
    }

    private static void sh(String command) {
        HostCommands.Result result = run(command);
        if (!result.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, command + " failed: " + result.printed()
                    + " (this needs root, iproute2 and util-linux)");
        }
    }

    private static HostCommands.Result run(String command) {
        return HostCommands.local().run(List.of(command.split(" ")), null, Map.of(), TIMEOUT);
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
