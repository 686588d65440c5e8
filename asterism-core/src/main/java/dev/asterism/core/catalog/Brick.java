package dev.asterism.core.catalog;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.realm.OsFamily;
import java.util.Set;

/** Image + hardware profile + OS family + capabilities: what a user starts a VM from. */
public record Brick(String name, String image, String profile, OsFamily osFamily, Set<Capability> capabilities) {
    public Brick {
        requireNonNull(name, "name is null");
        requireNonNull(image, "image is null");
        requireNonNull(profile, "profile is null");
        requireNonNull(osFamily, "osFamily is null");
        capabilities = Set.copyOf(capabilities);
    }
}
