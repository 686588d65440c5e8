package dev.asterism.protocol;

/**
 * One message between the server and an agent. The agent dials the server; both then send messages in
 * either direction over one channel, each wrapped in an {@link Envelope} and written by {@link ProtocolCodec}.
 *
 * <p>Agent to server: {@link Register}, {@link Heartbeat}, {@link StepReport}, {@link CommandResult}.
 * Server to agent: {@link Registered}, {@link RegistrationRefused}, {@link SealedBundle},
 * {@link ControllerCommand}. The controller's agent also answers {@link ControllerCommand#kind()}
 * {@link CommandKind#SEAL_JOIN_BUNDLE} with a {@link CommandResult} carrying the sealed bundle, which the server
 * relays to the stub unread.
 *
 * <p>Every message is an immutable record validated in its compact constructor, which throws
 * {@link IllegalArgumentException} or {@link NullPointerException} naming the bad field (never its value).
 * {@code toString} never shows a secret or a token.
 */
public sealed interface Message
        permits Register, Registered, RegistrationRefused, Heartbeat, SealedBundle, StepReport, ControllerCommand,
                CommandResult {

    /** The message's type, which names it on the wire. */
    default MessageType type() {
        return MessageType.of(this);
    }
}
