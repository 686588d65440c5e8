package dev.asterism.cli.api;

/**
 * An API token of the logged-in user, without its secret.
 *
 * @param lastUsedAt null when the token was never used
 */
public record Token(String id, String name, String createdAt, String lastUsedAt) {}
