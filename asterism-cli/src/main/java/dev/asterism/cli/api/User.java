package dev.asterism.cli.api;

/** A user account on the server. */
public record User(String username, Role role, String createdAt) {}
