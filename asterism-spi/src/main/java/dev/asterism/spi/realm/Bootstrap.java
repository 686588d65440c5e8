package dev.asterism.spi.realm;

import static java.util.Objects.requireNonNull;

/**
 * What a new VM's agent needs to register: where the server is and a one-time registration token.
 * The driver hands it to the guest (a config disk, fw_cfg, a guest-agent file write) and never logs it.
 */
public record Bootstrap(String serverUrl, String registrationToken) {
    public Bootstrap {
        requireNonNull(serverUrl, "serverUrl is null");
        requireNonNull(registrationToken, "registrationToken is null");
    }

    /** Never prints the token. */
    @Override
    public String toString() {
        return "Bootstrap[serverUrl=" + serverUrl + ", registrationToken=<redacted>]";
    }
}
