package dev.asterism.protocol;

/**
 * Server to agent: the registration is refused (unknown VM, used or wrong token, deadline passed); the server
 * closes the channel after it. The agent does not retry with the same token.
 *
 * @param reason what a person reads to understand the refusal; never contains the token
 * @throws IllegalArgumentException when the reason is blank
 * @throws NullPointerException when the reason is null
 */
public record RegistrationRefused(String reason) implements Message {

    public RegistrationRefused {
        Validation.requireText(reason, "reason");
    }
}
