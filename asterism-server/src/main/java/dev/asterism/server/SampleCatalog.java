package dev.asterism.server;

import dev.asterism.core.catalog.CatalogService;
import dev.asterism.core.user.Role;
import dev.asterism.core.user.User;
import java.time.Instant;
import java.util.List;

/**
 * The catalog a fresh demo server starts with: profiles {@code small} and {@code medium}, images {@code linux}
 * and {@code windows}, bricks {@code controller} and {@code worker}. Only what is missing is added, so that a
 * restart keeps an admin's edits.
 */
final class SampleCatalog {
    /** The actor of changes the server makes by itself. */
    static final User SYSTEM = new User(0, "system", Role.SUPER_ADMIN, Instant.EPOCH);

    private SampleCatalog() {}

    static void ensure(CatalogService catalog) {
        var profiles = catalog.profiles(SYSTEM).stream().map(p -> p.name()).toList();
        if (!profiles.contains("small")) {
            catalog.createProfile(SYSTEM, "small", 1, 2048, 20);
        }
        if (!profiles.contains("medium")) {
            catalog.createProfile(SYSTEM, "medium", 2, 4096, 40);
        }
        var images = catalog.images(SYSTEM).stream().map(i -> i.name()).toList();
        if (!images.contains("linux")) {
            catalog.createImage(SYSTEM, "linux", "linux", "debian-bookworm", "Debian 12 with the Asterism agent");
        }
        if (!images.contains("windows")) {
            catalog.createImage(SYSTEM, "windows", "windows", "windows-server-2022",
                    "Windows Server 2022 with the Asterism agent");
        }
        var bricks = catalog.bricks(SYSTEM).stream().map(b -> b.name()).toList();
        if (!bricks.contains("controller")) {
            catalog.createBrick(SYSTEM, "controller", "linux", "medium", List.of("controller"));
        }
        if (!bricks.contains("worker")) {
            catalog.createBrick(SYSTEM, "worker", "linux", "small", List.of("worker"));
        }
    }
}
