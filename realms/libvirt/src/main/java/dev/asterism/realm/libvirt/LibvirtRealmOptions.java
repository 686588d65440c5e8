package dev.asterism.realm.libvirt;

import static java.util.Objects.requireNonNull;

import dev.asterism.realm.qemu.DebianBrickBuilder;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How the libvirt realm runs.
 *
 * @param prefix the prefix of its domains, networks, bridges and storage pool on every host: 1 to 5 lower-case
 *     letters and digits, so that bridge names stay within Linux's 15 characters
 * @param hosts the hypervisors, each a name and a libvirt URI ({@code qemu:///system},
 *     {@code qemu+ssh://root@host/system}); at least one
 * @param brick the Debian brick a Linux VM boots unless its catalog image names another brick directory: its
 *     files must be at the same path on every host (and on the server's machine, which checks them)
 * @param maxVmsPerHost how many of the realm's VMs one host may run
 * @param kvm whether domains run under KVM ({@code type='kvm'}); TCG ({@code type='qemu'}) otherwise, which works
 *     everywhere
 */
public record LibvirtRealmOptions(String prefix, List<Host> hosts, DebianBrickBuilder.Brick brick,
        int maxVmsPerHost, boolean kvm) {
    public LibvirtRealmOptions {
        requireNonNull(prefix, "prefix is null");
        if (!prefix.matches("[a-z][a-z0-9]{0,4}")) {
            throw new IllegalArgumentException("the libvirt realm's prefix is 1 to 5 lower-case letters and digits,"
                    + " starting with a letter, not '" + prefix + "'");
        }
        hosts = List.copyOf(requireNonNull(hosts, "hosts is null"));
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("the libvirt realm needs at least one host (NAME=URI)");
        }
        Set<String> names = new HashSet<>();
        for (Host host : hosts) {
            if (!names.add(host.name())) {
                throw new IllegalArgumentException("the libvirt host name '" + host.name() + "' is given twice");
            }
        }
        requireNonNull(brick, "brick is null");
        if (maxVmsPerHost < 1) {
            throw new IllegalArgumentException("maxVmsPerHost must be at least 1");
        }
    }

    /** One hypervisor: a short name (shown in VM details) and its libvirt URI. */
    public record Host(String name, URI uri) {
        public Host {
            requireNonNull(name, "name is null");
            requireNonNull(uri, "uri is null");
            if (!name.matches("[a-z0-9][a-z0-9-]{0,31}")) {
                throw new IllegalArgumentException("a libvirt host name is 1 to 32 lower-case letters, digits and"
                        + " hyphens, not '" + name + "'");
            }
            if (uri.getScheme() == null || !uri.getScheme().startsWith("qemu")) {
                throw new IllegalArgumentException("the libvirt URI of host " + name + " must be a qemu one"
                        + " (qemu:///system, qemu+ssh://root@HOST/system), not '" + uri + "'");
            }
        }

        /** Reads {@code NAME=URI}, as the command line gives it. */
        public static Host parse(String text) {
            int equals = text.indexOf('=');
            if (equals < 1) {
                throw new IllegalArgumentException("a libvirt host is NAME=URI (for example"
                        + " local=qemu:///system), not '" + text + "'");
            }
            try {
                return new Host(text.substring(0, equals), URI.create(text.substring(equals + 1)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + text + "' is not NAME=URI: " + e.getMessage());
            }
        }
    }
}
