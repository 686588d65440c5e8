package dev.asterism.cli.api;

import java.util.List;

/**
 * An image plus a hardware profile, with what its VMs can be in a constellation.
 *
 * @param level the highest security level it is approved for
 */
public record Brick(String name, String image, String profile, OsFamily osFamily, List<Capability> capabilities,
        String level) {

    public Brick {
        capabilities = capabilities == null ? List.of() : List.copyOf(capabilities);
    }
}
