package dev.asterism.protocol;

import java.util.Map;

/**
 * Controller's agent to server: the outcome of a {@link ControllerCommand}.
 *
 * <p>{@code toString} redacts the value of any result key that names a secret (containing password, secret,
 * token, privateKey or credential).
 *
 * @param commandId the command this answers
 * @param ok whether the command did what it was asked
 * @param message what a person reads, above all why a command failed; may be empty; never a secret
 * @param results the command's outputs, copied and sorted by key (for {@link CommandKind#SEAL_JOIN_BUNDLE}, the
 *     sealed box's fields, never the plaintext)
 * @throws IllegalArgumentException when the id is blank
 * @throws NullPointerException when a field, a key or a value is null
 */
public record CommandResult(String commandId, boolean ok, String message, Map<String, String> results)
        implements Message {

    public CommandResult {
        Validation.requireText(commandId, "commandId");
        Validation.requirePresent(message, "message");
        results = Validation.copyOfStringMap(results, "results");
    }

    @Override
    public String toString() {
        return "CommandResult[commandId=" + commandId + ", ok=" + ok + ", message=" + message
                + ", results=" + Validation.redactedMap(results) + "]";
    }
}
