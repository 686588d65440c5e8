package dev.asterism.cli.api;

import java.util.List;

/**
 * A VM as the server reports it. Timestamps stay ISO-8601 strings: the CLI only shows them, so it does not
 * need to agree with the server on their exact format.
 *
 * @param reason why the VM is in its state (for example why it failed); null when there is nothing to say
 */
public record Vm(
        String id,
        String name,
        String project,
        String brick,
        String realm,
        String profile,
        OsFamily osFamily,
        String owner,
        VmState state,
        VmState desiredState,
        String reason,
        List<String> addresses,
        String createdAt,
        String updatedAt,
        String registrationDeadline) {

    public Vm {
        addresses = addresses == null ? List.of() : List.copyOf(addresses);
    }
}
