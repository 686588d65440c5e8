package dev.asterism.core.project;

/** What a project holds, or what a request asks for. */
public record Usage(int constellations, int vms, int vcpus, long memoryMib, long diskGib) {
    public static final Usage NOTHING = new Usage(0, 0, 0, 0, 0);

    /** The memory in GiB, rounded up to a tenth, as people read it. */
    public double memoryGib() {
        return Math.ceil(memoryMib * 10 / 1024.0) / 10;
    }

    public Usage plus(Usage other) {
        return new Usage(constellations + other.constellations, vms + other.vms, vcpus + other.vcpus,
                memoryMib + other.memoryMib, diskGib + other.diskGib);
    }

    /** {@code count} VMs of this hardware. */
    public static Usage ofVms(int count, int vcpus, int memoryMib, int diskGib) {
        return new Usage(0, count, count * vcpus, (long) count * memoryMib, (long) count * diskGib);
    }
}
