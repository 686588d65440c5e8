package dev.asterism.core.catalog;

import static java.util.Objects.requireNonNull;

/** A realm as the catalog records it: its name and the driver behind it. */
public record RealmDefinition(String name, String driver, String description) {
    public RealmDefinition {
        requireNonNull(name, "name is null");
        requireNonNull(driver, "driver is null");
        requireNonNull(description, "description is null");
    }
}
