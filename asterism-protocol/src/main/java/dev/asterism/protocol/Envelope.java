package dev.asterism.protocol;

import static java.util.Objects.requireNonNull;

/**
 * A message as it travels: {@code {"v": 1, "type": "register", "body": {...}}}. {@code v} is the protocol's
 * major version; within one major version peers only add optional fields and new message types, so a peer reads
 * messages of every release with its major version. {@link ProtocolCodec} writes and reads envelopes.
 *
 * @param version the major protocol version the message was written in
 * @param message the message
 * @throws IllegalArgumentException when the version is not positive
 * @throws NullPointerException when the message is null
 */
public record Envelope(int version, Message message) {

    public Envelope {
        if (version < 1) {
            throw new IllegalArgumentException("version must be positive");
        }
        requireNonNull(message, "message is null");
    }

    /** The message's type, as in the envelope's {@code "type"} field. */
    public MessageType type() {
        return message.type();
    }
}
