package dev.asterism.core.catalog;

import static java.util.Objects.requireNonNull;

/** vCPUs, memory and disk of a VM. */
public record HardwareProfile(String name, int vcpus, int memoryMib, int diskGib) {
    public static final int MAX_VCPUS = 256;
    public static final int MIN_MEMORY_MIB = 128;
    public static final int MAX_MEMORY_MIB = 4 * 1024 * 1024;
    public static final int MAX_DISK_GIB = 64 * 1024;

    public HardwareProfile {
        requireNonNull(name, "name is null");
    }
}
