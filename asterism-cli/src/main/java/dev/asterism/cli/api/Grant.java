package dev.asterism.cli.api;

/** A user's permission on a brick. */
public record Grant(String brick, String username, GrantLevel level) {}
