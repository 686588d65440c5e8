package dev.asterism.realm.libvirt;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asterism.realm.qemu.DebianBrickBuilder;
import dev.asterism.realm.qemu.GuestAgentClient;
import dev.asterism.realm.qemu.QemuGuests;
import dev.asterism.spi.realm.OsFamily;
import dev.asterism.spi.realm.PowerState;
import dev.asterism.spi.realm.Realm;
import dev.asterism.spi.realm.RealmCapability;
import dev.asterism.spi.realm.RealmException;
import dev.asterism.spi.realm.RealmVm;
import dev.asterism.spi.realm.RealmVmSpec;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo.DomainState;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.libvirt.Network;
import org.libvirt.StoragePool;
import org.libvirt.StorageVol;
import org.libvirt.jna.Libvirt;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * VMs as libvirt domains, on one hypervisor or several ({@link LibvirtRealmOptions#hosts()}), booting the Debian
 * brick wired as under {@link dev.asterism.realm.qemu.QemuRealm} ({@link QemuGuests}): the guest's own kernel and
 * initrd, a qcow2 volume backed by the brick's disk in the realm's storage pool, the underlay on an isolated libvirt
 * network (no forward, no address, so no DHCP and no uplink), the management NIC in user mode with
 * {@code restrict=on} whose one forwarded address leads to the server's agent port, the bootstrap in
 * {@code fw_cfg}.
 *
 * <p>Everything the realm keeps is in libvirt: each domain's metadata holds its network, address and whether it was
 * stopped on purpose, so any server (or a new one after a crash) finds the realm's VMs by listing the domains of its
 * prefix. Domains are persistent, so a stopped VM keeps its disk and starts again.
 *
 * <p>Placement: a network (a constellation) lives on one host, because an isolated network does not span hosts; a VM
 * of a new network goes to the reachable host with the most free memory that has room for it. A host that cannot be
 * reached makes the realm answer {@link RealmException.Code#UNAVAILABLE} rather than a partial list, so nobody takes
 * the VMs it holds for gone.
 */
public final class LibvirtRealm implements Realm {
    static final String NAMESPACE = "https://asterism.dev/xmlns/libvirt-vm/1";
    private static final int METADATA_ELEMENT = 2;
    private static final int AFFECT_LIVE = 1;
    private static final int AFFECT_CONFIG = 2;
    private static final long HEADROOM_BYTES = 256L << 20;
    private static final Duration STOP_GRACE = Duration.ofSeconds(60);
    /** Kept strongly reachable: libvirt calls it from native code. Without it, libvirt prints every error. */
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECCOMP_HINT = " (when it ends with 'reason=crashed' soon after the boot, QEMU's"
            + " seccomp sandbox killed it for starting the management path's socat: set seccomp_sandbox = 0 in that"
            + " host's /etc/libvirt/qemu.conf and restart libvirtd)";
    private static final Libvirt.VirErrorCallback QUIET = (userData, error) -> { };

    private final LibvirtRealmOptions options;
    private final Map<String, Connect> connections = new LinkedHashMap<>();

    public LibvirtRealm(LibvirtRealmOptions options) {
        this.options = requireNonNull(options, "options is null");
        try {
            Connect.setErrorCallback(QUIET);
        } catch (LibvirtException e) {
            throw new RealmException(RealmException.Code.UNAVAILABLE, "cannot set up libvirt: " + message(e));
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new RealmException(RealmException.Code.UNAVAILABLE, "libvirt's client library is missing: run"
                    + " `sudo apt-get install -y libvirt0` (" + e.getMessage() + ")");
        }
    }

    @Override
    public String driver() {
        return "libvirt";
    }

    @Override
    public Set<RealmCapability> capabilities() {
        return EnumSet.of(RealmCapability.STOP_AND_START);
    }

    @Override
    public synchronized RealmVm create(RealmVmSpec spec) {
        requireNonNull(spec, "spec is null");
        String vmId = QemuGuests.requireVmId(spec.vmId(), "libvirt");
        if (find(vmId).isPresent()) {
            return inspect(vmId).orElseThrow();
        }
        if (spec.osFamily() != OsFamily.LINUX) {
            throw new RealmException(RealmException.Code.INVALID_SPEC, "the libvirt realm boots the Debian brick"
                    + " only; a " + spec.osFamily() + " VM needs its own image (see docs/windows.md)");
        }
        DebianBrickBuilder.Brick brick = QemuGuests.brickFor(spec.image(), options.brick());
        List<Vm> all = vms();
        LibvirtRealmOptions.Host host = choose(spec, all);
        QemuGuests.Placement placement = QemuGuests.place(spec.network(),
                all.stream().map(Vm::placement).toList());
        Connect connect = connection(host);
        String volume = vmId + ".qcow2";
        try {
            StoragePool pool = ensurePool(connect);
            deleteVolume(pool, volume);
            StorageVol disk = pool.storageVolCreateXML(volumeXml(volume, brick), 0);
            Network network = ensureNetwork(connect, spec.network());
            Domain domain = connect.domainDefineXML(domainXml(spec, brick, placement, disk.getPath(),
                    network.getName()));
            try {
                domain.create();
            } catch (LibvirtException e) {
                domain.undefine();
                deleteVolume(pool, volume);
                throw e;
            }
        } catch (LibvirtException e) {
            throw new RealmException(RealmException.Code.UNAVAILABLE, "cannot start VM " + vmId + " on libvirt host "
                    + host.name() + ": " + message(e));
        }
        return inspect(vmId).orElseThrow();
    }

    @Override
    public synchronized Optional<RealmVm> inspect(String vmId) {
        return find(QemuGuests.requireVmId(vmId, "libvirt")).map(Vm::realmVm);
    }

    @Override
    public synchronized List<RealmVm> list() {
        return vms().stream().map(Vm::realmVm).toList();
    }

    @Override
    public synchronized void stop(String vmId) {
        Vm vm = existing(vmId);
        try {
            setStopped(vm.domain(), true);
            if (vm.domain().isActive() == 1) {
                // The guest hears the ACPI power button and shuts down cleanly; one that does not (still booting,
                // hung) is switched off after the grace period.
                vm.domain().shutdown();
                LibvirtRealmOptions.Host host = vm.host();
                Thread.ofVirtual().start(() -> switchOffLater(host, vmId));
            }
        } catch (LibvirtException e) {
            if (!isGone(e)) {
                throw unavailable("stop", vm, e);
            }
        }
    }

    @Override
    public synchronized void start(String vmId) {
        Vm vm = existing(vmId);
        try {
            if (vm.domain().isActive() == 1) {
                if (vm.stopped()) {
                    throw new RealmException(RealmException.Code.UNAVAILABLE, "VM " + vmId + " is still powering"
                            + " off: start it again in a minute");
                }
                return;
            }
            setStopped(vm.domain(), false);
            ensureNetwork(connection(vm.host()), vm.network());
            vm.domain().create();
        } catch (LibvirtException e) {
            throw unavailable("start", vm, e);
        }
    }

    @Override
    public synchronized void destroy(String vmId) {
        Optional<Vm> found = find(QemuGuests.requireVmId(vmId, "libvirt"));
        if (found.isEmpty()) {
            return;
        }
        Vm vm = found.get();
        Connect connect = connection(vm.host());
        try {
            if (vm.domain().isActive() == 1) {
                vm.domain().destroy();
            }
            vm.domain().undefine();
        } catch (LibvirtException e) {
            if (!isGone(e)) {
                throw unavailable("destroy", vm, e);
            }
        }
        try {
            deleteVolume(ensurePool(connect), vmId + ".qcow2");
            boolean networkInUse = vmsOn(vm.host()).stream().anyMatch(other -> other.network().equals(vm.network()));
            if (!networkInUse) {
                deleteNetwork(connect, networkName(vm.network()));
            }
        } catch (LibvirtException e) {
            throw unavailable("clean up after", vm, e);
        }
    }

    @Override
    public synchronized void close() {
        // The VMs run on by design; only the connections are closed.
        for (Connect connect : connections.values()) {
            try {
                connect.close();
            } catch (LibvirtException e) {
                // A connection that is already broken has nothing left to close.
            }
        }
        connections.clear();
    }

    /**
     * Connects to every host once: what each one answered, in the order of the options, an empty string for a host
     * that answers. The server checks this at start, so that a missing libvirtd is said at once, not at the first VM.
     */
    public synchronized Map<String, String> reachability() {
        Map<String, String> answers = new LinkedHashMap<>();
        for (LibvirtRealmOptions.Host host : options.hosts()) {
            try {
                connection(host).getFreeMemory();
                answers.put(host.name(), "");
            } catch (RealmException e) {
                answers.put(host.name(), e.getMessage());
            } catch (LibvirtException e) {
                answers.put(host.name(), unavailable(host, e).getMessage());
            }
        }
        return answers;
    }

    /** A guest agent client for a VM of this realm, through libvirt (which holds the guest agent's channel). */
    public GuestAgentClient guestAgent(String vmId) {
        return new GuestAgentClient((command, wait) -> {
            try {
                Domain domain;
                synchronized (this) {
                    domain = existing(vmId).domain();
                }
                return Optional.of(JSON.readTree(domain.qemuAgentCommand(command,
                        (int) Math.max(1, wait.toSeconds()), 0)));
            } catch (LibvirtException e) {
                throw new IOException("the guest agent of VM " + vmId + " did not answer: " + message(e));
            }
        });
    }

    /** The domains, networks and volumes of this realm's prefix on every host: what a test expects to be gone. */
    public synchronized List<String> objects() {
        List<String> names = new ArrayList<>();
        for (LibvirtRealmOptions.Host host : options.hosts()) {
            names.addAll(objects(connection(host), options.prefix()).stream().map(name -> host.name() + ":" + name)
                    .toList());
        }
        return names;
    }

    /**
     * Destroys and undefines every domain and network of the prefix and deletes its storage pool with its volumes,
     * on the given hypervisor: what a crashed run left behind.
     */
    public static void removeLeftovers(String prefix, URI uri) {
        try {
            Connect.setErrorCallback(QUIET);
            Connect connect = new Connect(uri.toString(), false);
            try {
                for (Domain domain : connect.listAllDomains(0)) {
                    if (domain.getName().startsWith(prefix + ".")) {
                        if (domain.isActive() == 1) {
                            domain.destroy();
                        }
                        domain.undefine();
                    }
                }
                for (String name : networkNames(connect)) {
                    if (name.startsWith(prefix + "-")) {
                        deleteNetwork(connect, name);
                    }
                }
                StoragePool pool = lookupPool(connect, prefix);
                if (pool != null) {
                    if (pool.isActive() != 1) {
                        pool.create(0);
                    }
                    for (String volume : pool.listVolumes()) {
                        deleteVolume(pool, volume);
                    }
                    pool.destroy();
                    pool.delete(0);
                    pool.undefine();
                }
            } finally {
                connect.close();
            }
        } catch (LibvirtException e) {
            throw new RealmException(RealmException.Code.UNAVAILABLE, "cannot clear the leftovers of " + prefix
                    + " at " + uri + ": " + message(e));
        }
    }

    // ---- placement ----------------------------------------------------------------------------------------------

    /** What placement knows of one host. */
    record HostLoad(LibvirtRealmOptions.Host host, int vms, long freeBytes, Set<String> networks) {}

    private LibvirtRealmOptions.Host choose(RealmVmSpec spec, List<Vm> all) {
        List<HostLoad> loads = new ArrayList<>();
        for (LibvirtRealmOptions.Host host : options.hosts()) {
            List<Vm> on = all.stream().filter(vm -> vm.host().equals(host)).toList();
            long free;
            try {
                free = connection(host).getFreeMemory();
            } catch (LibvirtException e) {
                throw new RealmException(RealmException.Code.UNAVAILABLE, "cannot read the free memory of libvirt"
                        + " host " + host.name() + ": " + message(e));
            }
            loads.add(new HostLoad(host, on.size(), free,
                    Set.copyOf(on.stream().map(Vm::network).toList())));
        }
        return place(spec.network(), spec.memoryMib(), options.maxVmsPerHost(), loads);
    }

    /**
     * The host for one more VM of {@code network}: the host the network already lives on, else the host with the
     * most free memory among those with room, in VMs and in memory (the VM's memory and a headroom).
     */
    static LibvirtRealmOptions.Host place(String network, int memoryMib, int maxVmsPerHost, List<HostLoad> loads) {
        long needed = ((long) memoryMib << 20) + HEADROOM_BYTES;
        Optional<HostLoad> home = loads.stream().filter(load -> load.networks().contains(network)).findFirst();
        List<HostLoad> candidates = home.map(List::of).orElse(loads);
        HostLoad best = null;
        List<String> reasons = new ArrayList<>();
        for (HostLoad load : candidates) {
            if (load.vms() >= maxVmsPerHost) {
                reasons.add(load.host().name() + " runs " + load.vms() + " of at most " + maxVmsPerHost + " VMs");
            } else if (load.freeBytes() < needed) {
                reasons.add(load.host().name() + " has " + (load.freeBytes() >> 20) + " MiB free, "
                        + (needed >> 20) + " needed");
            } else if (best == null || load.freeBytes() > best.freeBytes()) {
                best = load;
            }
        }
        if (best == null) {
            throw new RealmException(RealmException.Code.NO_CAPACITY, (home.isPresent()
                    ? "network " + network + " lives on libvirt host " + home.get().host().name() + ", which is full: "
                    : "no libvirt host has room: ") + String.join("; ", reasons));
        }
        return best.host();
    }

    // ---- domains ------------------------------------------------------------------------------------------------

    /** One VM of the realm as libvirt holds it. */
    private record Vm(LibvirtRealmOptions.Host host, Domain domain, String vmId, String network, int subnet,
            String address, boolean stopped, DomainState state) {
        QemuGuests.Placement placement() {
            return new QemuGuests.Placement(network, subnet, address);
        }

        RealmVm realmVm() {
            String where = "libvirt host " + host.name() + ", domain " + domainName();
            PowerState power;
            String detail;
            switch (state) {
                case VIR_DOMAIN_RUNNING, VIR_DOMAIN_BLOCKED, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PMSUSPENDED,
                        VIR_DOMAIN_NOSTATE -> {
                    power = stopped ? PowerState.STOPPING : PowerState.RUNNING;
                    detail = (stopped ? "powering off, " : "") + where;
                }
                case VIR_DOMAIN_SHUTDOWN -> {
                    power = PowerState.STOPPING;
                    detail = "powering off, " + where;
                }
                case VIR_DOMAIN_SHUTOFF -> {
                    power = stopped ? PowerState.STOPPED : PowerState.FAILED;
                    detail = stopped ? "stopped, " + where : "the domain is off though nobody stopped it: see"
                            + " /var/log/libvirt/qemu/" + domainName() + ".log on " + host.name() + SECCOMP_HINT;
                }
                default -> {
                    power = PowerState.FAILED;
                    detail = "the domain crashed: see /var/log/libvirt/qemu/" + domainName() + ".log on "
                            + host.name() + SECCOMP_HINT;
                }
            }
            return new RealmVm(vmId, power, List.of(address), detail);
        }

        private String domainName() {
            try {
                return domain.getName();
            } catch (LibvirtException e) {
                return vmId;
            }
        }
    }

    private Optional<Vm> find(String vmId) {
        RealmException unreachable = null;
        for (LibvirtRealmOptions.Host host : options.hosts()) {
            try {
                Domain domain = connection(host).domainLookupByName(options.prefix() + "." + vmId);
                return Optional.of(read(host, domain));
            } catch (LibvirtException e) {
                if (!isGone(e)) {
                    unreachable = unavailable(host, e);
                }
            } catch (RealmException e) {
                unreachable = e;
            }
        }
        if (unreachable != null) {
            throw unreachable;
        }
        return Optional.empty();
    }

    private Vm existing(String vmId) {
        return find(QemuGuests.requireVmId(vmId, "libvirt")).orElseThrow(() -> new RealmException(
                RealmException.Code.NOT_FOUND, "the libvirt realm has no VM " + vmId));
    }

    private List<Vm> vms() {
        List<Vm> all = new ArrayList<>();
        for (LibvirtRealmOptions.Host host : options.hosts()) {
            all.addAll(vmsOn(host));
        }
        return all;
    }

    private List<Vm> vmsOn(LibvirtRealmOptions.Host host) {
        List<Vm> found = new ArrayList<>();
        try {
            for (Domain domain : connection(host).listAllDomains(0)) {
                if (domain.getName().startsWith(options.prefix() + ".")) {
                    try {
                        found.add(read(host, domain));
                    } catch (LibvirtException e) {
                        if (!isGone(e)) {
                            throw e;
                        }
                    }
                }
            }
        } catch (LibvirtException e) {
            throw unavailable(host, e);
        }
        return found;
    }

    private Vm read(LibvirtRealmOptions.Host host, Domain domain) throws LibvirtException {
        String vmId = domain.getName().substring(options.prefix().length() + 1);
        Element metadata = metadata(domain.getXMLDesc(0));
        if (metadata == null) {
            throw new RealmException(RealmException.Code.UNAVAILABLE, "domain " + domain.getName() + " on libvirt"
                    + " host " + host.name() + " has the realm's prefix but not its metadata: rename or remove it");
        }
        return new Vm(host, domain, vmId, metadata.getAttribute("network"),
                Integer.parseInt(metadata.getAttribute("subnet")), metadata.getAttribute("address"),
                Boolean.parseBoolean(metadata.getAttribute("stopped")), domain.getInfo().state);
    }

    private static Element metadata(String domainXml) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            NodeList nodes = factory.newDocumentBuilder().parse(new InputSource(new StringReader(domainXml)))
                    .getElementsByTagNameNS(NAMESPACE, "vm");
            return nodes.getLength() == 0 ? null : (Element) nodes.item(0);
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw new RealmException(RealmException.Code.UNAVAILABLE, "cannot read a domain's XML: " + e.getMessage());
        }
    }

    private void setStopped(Domain domain, boolean stopped) throws LibvirtException {
        Element current = metadata(domain.getXMLDesc(0));
        String xml = "<vm network=\"" + escape(current.getAttribute("network")) + "\" subnet=\""
                + escape(current.getAttribute("subnet")) + "\" address=\"" + escape(current.getAttribute("address"))
                + "\" stopped=\"" + stopped + "\"/>";
        domain.setMetadata(METADATA_ELEMENT, xml, "asterism", NAMESPACE,
                domain.isActive() == 1 ? AFFECT_LIVE | AFFECT_CONFIG : AFFECT_CONFIG);
    }

    private void switchOffLater(LibvirtRealmOptions.Host host, String vmId) {
        try {
            Thread.sleep(STOP_GRACE);
            synchronized (this) {
                Domain domain = connection(host).domainLookupByName(options.prefix() + "." + vmId);
                if (domain.isActive() == 1 && read(host, domain).stopped()) {
                    domain.destroy();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (LibvirtException | RealmException e) {
            // Gone or unreachable: nothing left to switch off from here.
        }
    }

    private String domainXml(RealmVmSpec spec, DebianBrickBuilder.Brick brick, QemuGuests.Placement placement,
            String diskPath, String network) {
        URI server = URI.create(spec.bootstrap().serverUrl());
        String name = options.prefix() + "." + spec.vmId();
        int memoryMib = Math.max(spec.memoryMib(), 512);
        return """
                <domain type='%s' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
                  <name>%s</name>
                  <metadata><asterism:vm xmlns:asterism='%s' network='%s' subnet='%d' address='%s' stopped='false'/></metadata>
                  <memory unit='MiB'>%d</memory>
                  <vcpu>%d</vcpu>
                  <sysinfo type='fwcfg'><entry name='%s'>%s</entry></sysinfo>
                  <os>
                    <type arch='x86_64' machine='q35'>hvm</type>
                    <kernel>%s</kernel>
                    <initrd>%s</initrd>
                    <cmdline>%s</cmdline>
                  </os>
                  <features><acpi/></features>
                  <cpu mode='maximum'/>
                  <on_poweroff>destroy</on_poweroff>
                  <on_reboot>restart</on_reboot>
                  <on_crash>destroy</on_crash>
                  <devices>
                    <disk type='file' device='disk'>
                      <driver name='qemu' type='qcow2'/>
                      <source file='%s'/>
                      <target dev='vda' bus='virtio'/>
                    </disk>
                    <interface type='network'>
                      <source network='%s'/>
                      <mac address='%s'/>
                      <model type='virtio'/>
                      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
                    </interface>
                    <serial type='file'>
                      <source path='/var/log/libvirt/qemu/%s.console.log'/>
                      <target port='0'/>
                    </serial>
                    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
                    <memballoon model='none'/>
                  </devices>
                  <qemu:commandline>
                    <qemu:arg value='-netdev'/>
                    <qemu:arg value='%s'/>
                    <qemu:arg value='-device'/>
                    <qemu:arg value='virtio-net-pci,netdev=management,addr=0x4'/>
                  </qemu:commandline>
                </domain>
                """.formatted(options.kvm() ? "kvm" : "qemu", escape(name), NAMESPACE, escape(spec.network()), placement.subnet(),
                escape(placement.address()), memoryMib,
                Math.min(spec.vcpus(), Runtime.getRuntime().availableProcessors()),
                QemuGuests.BOOTSTRAP_FW_CFG, escape(QemuGuests.bootstrap(spec, placement.address())),
                escape(brick.kernel().toString()), escape(brick.initrd().toString()),
                escape(QemuGuests.kernelCommandLine(placement.address(), spec.hostName())), escape(diskPath),
                escape(network), QemuGuests.mac(spec.vmId()), escape(name),
                escape(QemuGuests.managementNetdev(server.getHost(), server.getPort())));
    }

    // ---- pools, volumes, networks -------------------------------------------------------------------------------

    private StoragePool ensurePool(Connect connect) throws LibvirtException {
        StoragePool pool = lookupPool(connect, options.prefix());
        if (pool == null) {
            pool = connect.storagePoolDefineXML("<pool type='dir'><name>" + options.prefix() + "</name><target><path>"
                    + "/var/lib/libvirt/images/" + options.prefix() + "</path></target></pool>", 0);
            pool.build(0);
            pool.setAutostart(1);
        }
        if (pool.isActive() != 1) {
            pool.create(0);
        }
        return pool;
    }

    private static String volumeXml(String name, DebianBrickBuilder.Brick brick) {
        long capacity;
        try {
            capacity = Files.size(brick.rootFileSystem());
        } catch (IOException e) {
            capacity = 3L << 30;
        }
        return "<volume><name>" + escape(name) + "</name><capacity unit='bytes'>" + capacity + "</capacity>"
                + "<target><format type='qcow2'/></target><backingStore><path>"
                + escape(brick.rootFileSystem().toString()) + "</path><format type='raw'/></backingStore>"
                + "</volume>";
    }

    private static void deleteVolume(StoragePool pool, String name) throws LibvirtException {
        try {
            pool.storageVolLookupByName(name).delete(0);
        } catch (LibvirtException e) {
            if (!isGone(e)) {
                throw e;
            }
        }
    }

    private static StoragePool lookupPool(Connect connect, String name) throws LibvirtException {
        try {
            return connect.storagePoolLookupByName(name);
        } catch (LibvirtException e) {
            if (isGone(e)) {
                return null;
            }
            throw e;
        }
    }

    private String networkName(String network) {
        return options.prefix() + "-" + QemuGuests.linkName("", "", network);
    }

    /** The isolated network of a realm network: no forward and no address, so libvirt runs no DHCP for it. */
    private Network ensureNetwork(Connect connect, String network) throws LibvirtException {
        String name = networkName(network);
        Network found;
        try {
            found = connect.networkLookupByName(name);
        } catch (LibvirtException e) {
            if (!isGone(e)) {
                throw e;
            }
            found = connect.networkDefineXML("<network><name>" + name + "</name><bridge name='"
                    + QemuGuests.linkName(options.prefix(), "b", network) + "' stp='off'/></network>");
            found.setAutostart(true);
        }
        if (found.isActive() != 1) {
            found.create();
        }
        return found;
    }

    private static void deleteNetwork(Connect connect, String name) throws LibvirtException {
        try {
            Network network = connect.networkLookupByName(name);
            if (network.isActive() == 1) {
                network.destroy();
            }
            network.undefine();
        } catch (LibvirtException e) {
            if (!isGone(e)) {
                throw e;
            }
        }
    }

    private static List<String> networkNames(Connect connect) throws LibvirtException {
        List<String> names = new ArrayList<>(List.of(connect.listNetworks()));
        names.addAll(List.of(connect.listDefinedNetworks()));
        return names;
    }

    private static List<String> objects(Connect connect, String prefix) {
        List<String> names = new ArrayList<>();
        try {
            for (Domain domain : connect.listAllDomains(0)) {
                if (domain.getName().startsWith(prefix + ".")) {
                    names.add("domain " + domain.getName());
                }
            }
            for (String network : networkNames(connect)) {
                if (network.startsWith(prefix + "-")) {
                    names.add("network " + network);
                }
            }
            StoragePool pool = lookupPool(connect, prefix);
            if (pool != null && pool.isActive() == 1) {
                pool.refresh(0);
                for (String volume : pool.listVolumes()) {
                    names.add("volume " + volume);
                }
            }
        } catch (LibvirtException e) {
            throw new RealmException(RealmException.Code.UNAVAILABLE, "cannot list libvirt objects: " + message(e));
        }
        return names;
    }

    // ---- connections and errors ---------------------------------------------------------------------------------

    private Connect connection(LibvirtRealmOptions.Host host) {
        Connect connect = connections.get(host.name());
        try {
            if (connect != null && connect.isAlive()) {
                return connect;
            }
        } catch (LibvirtException e) {
            // Broken: opened again below.
        }
        try {
            connect = new Connect(host.uri().toString(), false);
            connections.put(host.name(), connect);
            return connect;
        } catch (LibvirtException e) {
            connections.remove(host.name());
            throw new RealmException(RealmException.Code.UNAVAILABLE, "cannot reach libvirt host " + host.name()
                    + " at " + host.uri() + ": " + message(e) + " (is libvirtd running there?)");
        }
    }

    private static boolean isGone(LibvirtException e) {
        ErrorNumber code = e.getError().getCode();
        return code == ErrorNumber.VIR_ERR_NO_DOMAIN || code == ErrorNumber.VIR_ERR_NO_NETWORK
                || code == ErrorNumber.VIR_ERR_NO_STORAGE_POOL || code == ErrorNumber.VIR_ERR_NO_STORAGE_VOL;
    }

    private static RealmException unavailable(LibvirtRealmOptions.Host host, LibvirtException e) {
        return new RealmException(RealmException.Code.UNAVAILABLE, "libvirt host " + host.name() + " at "
                + host.uri() + " failed: " + message(e));
    }

    private static RealmException unavailable(String what, Vm vm, LibvirtException e) {
        return new RealmException(RealmException.Code.UNAVAILABLE, "cannot " + what + " VM " + vm.vmId()
                + " on libvirt host " + vm.host().name() + ": " + message(e));
    }

    private static String message(LibvirtException e) {
        String message = e.getError() == null ? e.getMessage() : e.getError().getMessage();
        return message == null ? e.toString() : message.strip();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;")
                .replace("\"", "&quot;");
    }
}
