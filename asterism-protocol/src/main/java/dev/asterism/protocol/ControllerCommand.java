package dev.asterism.protocol;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/**
 * Server to a controller's agent: do one thing on the controlling VM. The agent answers with a
 * {@link CommandResult} carrying the same command id. Commands are idempotent on their id, so the server sends a
 * command again when it does not know whether it ran.
 *
 * <p>Arguments are text; each kind documents its own keys. No argument is a domain secret: those never leave the
 * controlling VM. {@code toString} still redacts the value of any key that names a secret (containing password,
 * secret, token, privateKey or credential), in case one does.
 *
 * @param commandId the command's id, unique per controller
 * @param kind what to do
 * @param arguments the command's arguments, copied and sorted by key
 * @throws IllegalArgumentException when the id is blank
 * @throws NullPointerException when a field, a key or a value is null
 */
public record ControllerCommand(String commandId, CommandKind kind, Map<String, String> arguments)
        implements Message {

    public ControllerCommand {
        Validation.requireText(commandId, "commandId");
        requireNonNull(kind, "kind is null");
        arguments = Validation.copyOfStringMap(arguments, "arguments");
    }

    @Override
    public String toString() {
        return "ControllerCommand[commandId=" + commandId + ", kind=" + kind
                + ", arguments=" + Validation.redactedMap(arguments) + "]";
    }
}
