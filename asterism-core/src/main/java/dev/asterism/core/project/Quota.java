package dev.asterism.core.project;

/** The most a project may hold at once; a null field is no limit. Memory and disk are in GiB. */
public record Quota(Integer constellations, Integer vms, Integer vcpus, Integer memoryGib, Integer diskGib) {
    public static final Quota NONE = new Quota(null, null, null, null, null);
}
