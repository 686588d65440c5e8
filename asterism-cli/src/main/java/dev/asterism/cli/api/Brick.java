package dev.asterism.cli.api;

import java.util.List;

/** An image plus a hardware profile, with what its VMs can be in a constellation. */
public record Brick(String name, String image, String profile, OsFamily osFamily, List<Capability> capabilities) {

    public Brick {
        capabilities = capabilities == null ? List.of() : List.copyOf(capabilities);
    }
}
