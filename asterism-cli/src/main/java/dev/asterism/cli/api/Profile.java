package dev.asterism.cli.api;

/** A hardware profile; also the body of {@code POST /profiles}. */
public record Profile(String name, long vcpus, long memoryMib, long diskGib) {}
