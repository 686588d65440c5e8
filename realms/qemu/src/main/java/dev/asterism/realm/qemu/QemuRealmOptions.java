package dev.asterism.realm.qemu;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * How the qemu realm runs.
 *
 * @param prefix the prefix of its QEMU process names, bridges and taps: 1 to 5 lower-case letters and digits, so
 *     that link names stay within Linux's 15 characters
 * @param stateDirectory where each VM's disk overlay, bootstrap data, sockets and logs live
 * @param brick the Debian brick a Linux VM boots unless its catalog image names another brick directory
 * @param accelerator {@code tcg} (works everywhere) or {@code kvm}
 * @param maxVms how many VMs may exist at once
 */
public record QemuRealmOptions(String prefix, Path stateDirectory, DebianBrickBuilder.Brick brick, String accelerator,
        int maxVms) {
    public QemuRealmOptions {
        requireNonNull(prefix, "prefix is null");
        if (!prefix.matches("[a-z][a-z0-9]{0,4}")) {
            throw new IllegalArgumentException("the qemu realm's prefix is 1 to 5 lower-case letters and digits,"
                    + " starting with a letter, not '" + prefix + "'");
        }
        requireNonNull(stateDirectory, "stateDirectory is null");
        requireNonNull(brick, "brick is null");
        if (!accelerator.equals("tcg") && !accelerator.equals("kvm")) {
            throw new IllegalArgumentException("the accelerator is tcg or kvm, not '" + accelerator + "'");
        }
        if (maxVms < 1) {
            throw new IllegalArgumentException("maxVms must be at least 1");
        }
    }
}
