package dev.asterism.protocol;

import java.util.Optional;

/**
 * The type of a {@link Message}, and the name that says so in an envelope's {@code "type"} field. Wire names
 * never change once released; a new message type is added with a new name, and a peer that does not know it
 * refuses it with {@link ProtocolException.Code#UNKNOWN_TYPE}.
 */
public enum MessageType {
    REGISTER("register"),
    REGISTERED("registered"),
    REGISTRATION_REFUSED("registration-refused"),
    HEARTBEAT("heartbeat"),
    SEALED_BUNDLE("sealed-bundle"),
    STEP_REPORT("step-report"),
    CONTROLLER_COMMAND("controller-command"),
    COMMAND_RESULT("command-result");

    private final String wireName;

    MessageType(String wireName) {
        this.wireName = wireName;
    }

    /** The name in an envelope's {@code "type"} field, for example {@code register}. */
    public String wireName() {
        return wireName;
    }

    /** The type with that wire name, or empty when this release does not know it. */
    public static Optional<MessageType> fromWireName(String wireName) {
        for (MessageType type : values()) {
            if (type.wireName.equals(wireName)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }

    /** The type of a message. */
    public static MessageType of(Message message) {
        return switch (message) {
            case Register register -> REGISTER;
            case Registered registered -> REGISTERED;
            case RegistrationRefused refused -> REGISTRATION_REFUSED;
            case Heartbeat heartbeat -> HEARTBEAT;
            case SealedBundle bundle -> SEALED_BUNDLE;
            case StepReport report -> STEP_REPORT;
            case ControllerCommand command -> CONTROLLER_COMMAND;
            case CommandResult result -> COMMAND_RESULT;
        };
    }
}
