package dev.asterism.cli.api;

/**
 * A user account on the server.
 *
 * @param clearance the security level the user is cleared for
 */
public record User(String username, Role role, String clearance, String createdAt) {}
