package dev.asterism.cli.api;

/** Who the server thinks the caller is: the answer to {@code GET /auth/whoami}. */
public record Identity(String username, Role role) {}
