package dev.asterism.spi.realm;

/** The family of a guest operating system, which decides the guest platform its agent uses. */
public enum OsFamily {
    LINUX,
    WINDOWS
}
