package dev.asterism.core.catalog;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.realm.OsFamily;

/**
 * A boot disk (or, in some realms, a host template) with the Asterism agent in it.
 *
 * @param source where the realm finds it: a path, a template name; the realm driver interprets it
 */
public record Image(String name, OsFamily osFamily, String source, String description) {
    public Image {
        requireNonNull(name, "name is null");
        requireNonNull(osFamily, "osFamily is null");
        requireNonNull(source, "source is null");
        requireNonNull(description, "description is null");
    }
}
