package dev.asterism.cli.api;

/** A place where VMs run, behind one driver ({@code sim}, {@code netns}, {@code qemu}, {@code libvirt}). */
public record Realm(String name, String driver, String description) {}
