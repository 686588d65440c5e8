package dev.asterism.realm.qemu;

import static java.util.Objects.requireNonNull;

import dev.asterism.guest.linux.HostCommands;
import dev.asterism.spi.realm.OsFamily;
import dev.asterism.spi.realm.PowerState;
import dev.asterism.spi.realm.Realm;
import dev.asterism.spi.realm.RealmCapability;
import dev.asterism.spi.realm.RealmException;
import dev.asterism.spi.realm.RealmVm;
import dev.asterism.spi.realm.RealmVmSpec;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;

/**
 * VMs as QEMU processes on this machine, booting the Debian brick ({@link DebianBrickBuilder}) with its own kernel
 * and initrd from a disposable qcow2 overlay of the brick's disk. TCG by default: KVM only when the options say so.
 *
 * <p>Networks: every {@link RealmVmSpec#network()} is an isolated bridge (no address, no uplink, IPv6 off) with its
 * own /24 in {@code 10.211.0.0/16}; each VM has a tap on it and a static address given on the kernel command line.
 * The management path is a second NIC in user mode with {@code restrict=on}: the guest reaches nothing outside
 * but one forwarded address, {@value QemuGuests#MANAGEMENT_ADDRESS}, whose connections QEMU hands to the server's agent port
 * on loopback. The bootstrap data reaches the guest through {@code fw_cfg}.
 *
 * <p>State lives in the options' directory, one directory per VM; QEMU runs detached, so VMs outlive the server
 * (and this object), and a new realm on the same directory finds them. Everything this realm makes on the host
 * (processes, bridges, taps) carries its prefix, and {@link #removeLeftovers} clears them by it.
 */
public final class QemuRealm implements Realm {
    private static final Duration STOP_GRACE = Duration.ofSeconds(60);

    private final QemuRealmOptions options;
    private final HostCommands host = HostCommands.local();

    public QemuRealm(QemuRealmOptions options) {
        this.options = requireNonNull(options, "options is null");
        try {
            Files.createDirectories(options.stateDirectory());
        } catch (IOException e) {
            throw new RealmException(RealmException.Code.UNAVAILABLE, "cannot make " + options.stateDirectory()
                    + ": " + e.getMessage());
        }
    }

    @Override
    public String driver() {
        return "qemu";
    }

    @Override
    public Set<RealmCapability> capabilities() {
        return EnumSet.of(RealmCapability.STOP_AND_START);
    }

    @Override
    public synchronized RealmVm create(RealmVmSpec spec) {
        requireNonNull(spec, "spec is null");
        Path directory = vmDirectory(spec.vmId());
        if (Files.isDirectory(directory)) {
            return inspect(spec.vmId()).orElseThrow();
        }
        if (spec.osFamily() != OsFamily.LINUX) {
            throw new RealmException(RealmException.Code.INVALID_SPEC, "the qemu realm boots the Debian brick only;"
                    + " a " + spec.osFamily() + " VM needs its own image (see docs/windows.md)");
        }
        if (vmIds().size() >= options.maxVms()) {
            throw new RealmException(RealmException.Code.NO_CAPACITY, "the qemu realm runs at most "
                    + options.maxVms() + " VMs on this machine");
        }
        DebianBrickBuilder.Brick brick = QemuGuests.brickFor(spec.image(), options.brick());
        QemuGuests.Placement placement = QemuGuests.place(spec.network(), placements());
        Properties vm = new Properties();
        vm.setProperty("vmId", spec.vmId());
        vm.setProperty("hostName", spec.hostName());
        vm.setProperty("network", spec.network());
        vm.setProperty("vcpus", Integer.toString(Math.min(spec.vcpus(), Runtime.getRuntime().availableProcessors())));
        vm.setProperty("memoryMib", Integer.toString(Math.max(spec.memoryMib(), 512)));
        vm.setProperty("subnet", Integer.toString(placement.subnet()));
        vm.setProperty("address", placement.address());
        vm.setProperty("tap", QemuGuests.linkName(options.prefix(), "t", spec.vmId()));
        vm.setProperty("bridge", QemuGuests.linkName(options.prefix(), "b", spec.network()));
        vm.setProperty("mac", QemuGuests.mac(spec.vmId()));
        vm.setProperty("stopped", "false");
        vm.setProperty("brick", brick.directory().toString());
        vm.setProperty("agentPort", Integer.toString(URI.create(spec.bootstrap().serverUrl()).getPort()));
        try {
            Path building = directory.resolveSibling(directory.getFileName() + ".new");
            DebianBrickBuilder.deleteRecursively(building);
            Files.createDirectories(building);
            Files.setPosixFilePermissions(building, PosixFilePermissions.fromString("rwx------"));
            Files.writeString(building.resolve("bootstrap.properties"),
                    QemuGuests.bootstrap(spec, placement.address()));
            store(building.resolve("vm.properties"), vm);
            require(host.run(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b",
                    brick.rootFileSystem().toString(), building.resolve("disk.qcow2").toString()), null),
                    "make the VM's disk");
            Files.move(building, directory, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new RealmException(RealmException.Code.UNAVAILABLE, "cannot prepare VM " + spec.vmId() + ": "
                    + e.getMessage());
        }
        launch(spec.vmId(), vm);
        return inspect(spec.vmId()).orElseThrow();
    }

    @Override
    public Optional<RealmVm> inspect(String vmId) {
        Path directory = vmDirectory(vmId);
        if (!Files.isRegularFile(directory.resolve("vm.properties"))) {
            return Optional.empty();
        }
        Properties vm = load(directory.resolve("vm.properties"));
        Optional<Long> pid = runningPid(vmId);
        boolean stopped = Boolean.parseBoolean(vm.getProperty("stopped"));
        PowerState power;
        String detail;
        if (stopped) {
            power = pid.isPresent() ? PowerState.STOPPING : PowerState.STOPPED;
            detail = pid.map(p -> "powering off, qemu pid " + p).orElse("stopped");
        } else if (pid.isPresent()) {
            power = PowerState.RUNNING;
            detail = "qemu pid " + pid.get() + " (" + options.accelerator() + "), console "
                    + directory.resolve("console.log");
        } else {
            power = PowerState.FAILED;
            detail = "QEMU is not running: " + lastLines(directory.resolve("qemu.log"));
        }
        return Optional.of(new RealmVm(vmId, power, List.of(vm.getProperty("address")), detail));
    }

    @Override
    public List<RealmVm> list() {
        List<RealmVm> all = new ArrayList<>();
        for (String vmId : vmIds()) {
            inspect(vmId).ifPresent(all::add);
        }
        return all;
    }

    @Override
    public synchronized void stop(String vmId) {
        Properties vm = existing(vmId);
        vm.setProperty("stopped", "true");
        store(vmDirectory(vmId).resolve("vm.properties"), vm);
        Optional<Long> pid = runningPid(vmId);
        if (pid.isEmpty()) {
            return;
        }
        // Asked through its guest agent and by the ACPI power button, the guest shuts down cleanly; a guest that does
        // not (still booting, hung) is switched off after the grace period.
        GuestAgentClient guest = GuestAgentClient.of(options.stateDirectory(), vmId);
        if (guest.ping(Duration.ofSeconds(2))) {
            guest.shutdown();
        }
        qmp(vmId, "{\"execute\":\"system_powerdown\"}");
        long process = pid.get();
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(STOP_GRACE);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            ProcessHandle.of(process).ifPresent(ProcessHandle::destroyForcibly);
        });
    }

    @Override
    public synchronized void start(String vmId) {
        Properties vm = existing(vmId);
        if (runningPid(vmId).isPresent()) {
            if (Boolean.parseBoolean(vm.getProperty("stopped"))) {
                throw new RealmException(RealmException.Code.UNAVAILABLE, "VM " + vmId + " is still powering off:"
                        + " start it again in a minute");
            }
            return;
        }
        vm.setProperty("stopped", "false");
        store(vmDirectory(vmId).resolve("vm.properties"), vm);
        launch(vmId, vm);
    }

    @Override
    public synchronized void destroy(String vmId) {
        Path directory = vmDirectory(vmId);
        if (!Files.isDirectory(directory)) {
            return;
        }
        Properties vm = load(directory.resolve("vm.properties"));
        runningPid(vmId).ifPresent(QemuRealm::kill);
        String tap = vm.getProperty("tap");
        if (tap != null) {
            host.run(List.of("ip", "link", "del", tap), null);
        }
        DebianBrickBuilder.deleteRecursively(directory);
        String network = vm.getProperty("network");
        boolean bridgeInUse = vmIds().stream().map(id -> load(vmDirectory(id).resolve("vm.properties")))
                .anyMatch(other -> network != null && network.equals(other.getProperty("network")));
        if (!bridgeInUse && vm.getProperty("bridge") != null) {
            host.run(List.of("ip", "link", "del", vm.getProperty("bridge")), null);
        }
    }

    @Override
    public void close() {
        // The VMs run on by design; nothing here holds resources of its own.
    }

    /** The QEMU processes of this realm's prefix running on the machine now. */
    public List<Long> processes() {
        return ProcessHandle.allProcesses().filter(process -> isQemuOf(process, options.prefix() + "."))
                .map(ProcessHandle::pid).toList();
    }

    /** The bridges and taps of this realm's prefix on the machine now. */
    public List<String> links() {
        return links(host, options.prefix());
    }

    /** A guest agent client for a VM of this realm. */
    public GuestAgentClient guestAgent(String vmId) {
        return new GuestAgentClient(vmDirectory(vmId).resolve("qga.sock"));
    }

    private static List<String> links(HostCommands host, String prefix) {
        List<String> names = new ArrayList<>();
        for (String line : host.run(List.of("ip", "-o", "link", "show"), null).output().lines().toList()) {
            String[] fields = line.split(":\\s+");
            if (fields.length > 1) {
                String name = fields[1].split("@")[0];
                if (name.startsWith(prefix + "b") || name.startsWith(prefix + "t")) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    /**
     * Kills every QEMU process of the prefix (by PID, found by its {@code -name}), deletes the prefix's bridges and
     * taps and the state directory: what a crashed run left behind.
     */
    public static void removeLeftovers(String prefix, Path stateDirectory) {
        HostCommands host = HostCommands.local();
        ProcessHandle.allProcesses().filter(process -> isQemuOf(process, prefix + ".")).forEach(QemuRealm::kill);
        for (String name : links(host, prefix)) {
            host.run(List.of("ip", "link", "del", name), null);
        }
        DebianBrickBuilder.deleteRecursively(stateDirectory);
    }

    // ---- launching --------------------------------------------------------------------------------------------

    private void launch(String vmId, Properties vm) {
        Path directory = vmDirectory(vmId);
        ensureBridge(vm.getProperty("bridge"));
        ensureTap(vm.getProperty("tap"), vm.getProperty("bridge"));
        String address = vm.getProperty("address");
        String hostName = vm.getProperty("hostName");
        int agentPort = Integer.parseInt(vm.getProperty("agentPort"));
        String cmdline = QemuGuests.kernelCommandLine(address, hostName);
        DebianBrickBuilder.Brick brick = vm.getProperty("brick") == null ? options.brick()
                : DebianBrickBuilder.Brick.at(Path.of(vm.getProperty("brick")));
        List<String> command = new ArrayList<>(List.of("qemu-system-x86_64",
                "-name", options.prefix() + "." + vmId,
                "-machine", "q35,accel=" + options.accelerator(),
                "-cpu", "max",
                "-smp", vm.getProperty("vcpus"),
                "-m", vm.getProperty("memoryMib"),
                "-nodefaults", "-no-user-config", "-display", "none",
                "-kernel", brick.kernel().toString(),
                "-initrd", brick.initrd().toString(),
                "-append", cmdline,
                "-drive", "file=" + directory.resolve("disk.qcow2") + ",if=virtio,format=qcow2",
                "-netdev", "tap,id=underlay,ifname=" + vm.getProperty("tap") + ",script=no,downscript=no",
                "-device", "virtio-net-pci,netdev=underlay,mac=" + vm.getProperty("mac") + ",addr=0x3",
                "-netdev", QemuGuests.managementNetdev("127.0.0.1", agentPort),
                "-device", "virtio-net-pci,netdev=management,addr=0x4",
                "-fw_cfg", "name=" + QemuGuests.BOOTSTRAP_FW_CFG + ",file=" + directory.resolve("bootstrap.properties"),
                "-chardev", "socket,id=qga,path=" + socket(directory, "qga.sock") + ",server=on,wait=off",
                "-device", "virtio-serial-pci",
                "-device", "virtserialport,chardev=qga,name=org.qemu.guest_agent.0",
                "-qmp", "unix:" + socket(directory, "qmp.sock") + ",server=on,wait=off",
                "-serial", "file:" + directory.resolve("console.log"),
                "-pidfile", directory.resolve("qemu.pid").toString(),
                "-daemonize"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(directory.resolve("qemu.log").toFile());
        try {
            Process process = builder.start();
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new RealmException(RealmException.Code.UNAVAILABLE, "QEMU did not start VM " + vmId + ": "
                        + lastLines(directory.resolve("qemu.log")));
            }
        } catch (IOException e) {
            throw new RealmException(RealmException.Code.UNAVAILABLE, "cannot run qemu-system-x86_64 (install"
                    + " qemu-system-x86 and qemu-utils): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RealmException(RealmException.Code.UNAVAILABLE, "interrupted while starting VM " + vmId);
        }
    }

    private void ensureBridge(String bridge) {
        if (host.run(List.of("ip", "link", "show", bridge), null).succeeded()) {
            return;
        }
        require(host.run(List.of("ip", "link", "add", bridge, "type", "bridge"), null), "make bridge " + bridge);
        try {
            Files.writeString(Path.of("/proc/sys/net/ipv6/conf", bridge, "disable_ipv6"), "1");
        } catch (IOException e) {
            // A kernel without IPv6 has nothing to switch off.
        }
        require(host.run(List.of("ip", "link", "set", bridge, "up"), null), "bring bridge " + bridge + " up");
    }

    private void ensureTap(String tap, String bridge) {
        if (!host.run(List.of("ip", "link", "show", tap), null).succeeded()) {
            require(host.run(List.of("ip", "tuntap", "add", tap, "mode", "tap"), null), "make tap " + tap);
        }
        require(host.run(List.of("ip", "link", "set", tap, "master", bridge, "up"), null),
                "put tap " + tap + " on " + bridge);
    }

    private void qmp(String vmId, String command) {
        Path path = socket(vmDirectory(vmId), "qmp.sock");
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(path));
            ByteBuffer greeting = ByteBuffer.allocate(4096);
            channel.read(greeting);
            for (String message : List.of("{\"execute\":\"qmp_capabilities\"}", command)) {
                channel.write(ByteBuffer.wrap((message + "\n").getBytes(StandardCharsets.UTF_8)));
                channel.read(ByteBuffer.allocate(4096));
            }
        } catch (IOException e) {
            // No monitor: the VM is switched off after the grace period instead.
        }
    }

    // ---- state ------------------------------------------------------------------------------------------------

    private Properties existing(String vmId) {
        Path file = vmDirectory(vmId).resolve("vm.properties");
        if (!Files.isRegularFile(file)) {
            throw new RealmException(RealmException.Code.NOT_FOUND, "the qemu realm has no VM " + vmId);
        }
        return load(file);
    }

    private Path vmDirectory(String vmId) {
        return options.stateDirectory().resolve(QemuGuests.requireVmId(vmId, "qemu"));
    }

    private List<String> vmIds() {
        try (Stream<Path> entries = Files.list(options.stateDirectory())) {
            return entries.filter(entry -> Files.isRegularFile(entry.resolve("vm.properties")))
                    .map(entry -> entry.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new RealmException(RealmException.Code.UNAVAILABLE, "cannot read " + options.stateDirectory()
                    + ": " + e.getMessage());
        }
    }

    /** The QEMU process of a VM, when one runs: from its pid file, checked against its command line. */
    private Optional<Long> runningPid(String vmId) {
        Path pidFile = vmDirectory(vmId).resolve("qemu.pid");
        try {
            if (!Files.isRegularFile(pidFile)) {
                return Optional.empty();
            }
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            return ProcessHandle.of(pid).filter(process -> isQemuOf(process, options.prefix() + "." + vmId))
                    .map(ProcessHandle::pid);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static boolean isQemuOf(ProcessHandle process, String name) {
        try {
            byte[] cmdline = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
            List<String> arguments = List.of(new String(cmdline, StandardCharsets.UTF_8).split("\0"));
            int at = arguments.indexOf("-name");
            return at >= 0 && at + 1 < arguments.size() && arguments.get(at + 1).startsWith(name)
                    && arguments.get(0).endsWith("qemu-system-x86_64");
        } catch (IOException e) {
            return false;
        }
    }

    private static void kill(ProcessHandle process) {
        process.destroy();
        try {
            process.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception stillThere) {
            process.destroyForcibly();
        }
    }

    private static void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(QemuRealm::kill);
    }

    private List<QemuGuests.Placement> placements() {
        return vmIds().stream().map(id -> load(vmDirectory(id).resolve("vm.properties")))
                .map(vm -> new QemuGuests.Placement(vm.getProperty("network"),
                        Integer.parseInt(vm.getProperty("subnet")), vm.getProperty("address")))
                .toList();
    }

    private static Path socket(Path directory, String name) {
        Path path = directory.resolve(name);
        if (path.toString().length() > 100) {
            throw new RealmException(RealmException.Code.UNAVAILABLE, "the qemu realm's state directory is too deep"
                    + " for a Unix socket path (" + path + "): choose a shorter one");
        }
        return path;
    }

    private static void require(HostCommands.Result result, String what) {
        if (!result.succeeded()) {
            throw new RealmException(RealmException.Code.UNAVAILABLE, "cannot " + what + ": " + result.printed());
        }
    }

    private static String lastLines(Path log) {
        try {
            if (!Files.exists(log)) {
                return "no log";
            }
            List<String> lines = Files.readAllLines(log);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "log unreadable";
        }
    }

    private static Properties load(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }

    private static void store(Path file, Properties properties) {
        try {
            Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
            try (Writer writer = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
                properties.store(writer, null);
            }
            Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
