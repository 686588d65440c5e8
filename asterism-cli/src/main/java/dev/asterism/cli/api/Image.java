package dev.asterism.cli.api;

/**
 * A boot image; also the body of {@code POST /images}.
 *
 * @param description null when there is none (then left out of a request body)
 */
public record Image(String name, OsFamily osFamily, String source, String description) {}
