package dev.asterism.cli.api;

import static java.util.Objects.requireNonNull;

/**
 * The body of {@code POST /vms}.
 *
 * @param realm null to let the server choose
 * @param profile null to use the brick's hardware profile
 * @param project null for the project 'default'
 */
public record NewVm(String name, String brick, String realm, String profile, String project) {

    public NewVm {
        requireNonNull(name, "name is null");
        requireNonNull(brick, "brick is null");
    }
}
