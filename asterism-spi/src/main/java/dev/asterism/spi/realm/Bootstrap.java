package dev.asterism.spi.realm;

import static java.util.Objects.requireNonNull;

/**
 * What a new VM's agent needs to register: where the server's agent channel is, the SHA-256 fingerprint of the
 * server's agent CA (the only certificate the agent trusts), and a one-time registration token.
 * The driver hands it to the guest (a config disk, fw_cfg, a guest-agent file write) and never logs it.
 */
public record Bootstrap(String serverUrl, String caFingerprint, String registrationToken) {
    public Bootstrap {
        requireNonNull(serverUrl, "serverUrl is null");
        requireNonNull(caFingerprint, "caFingerprint is null");
        requireNonNull(registrationToken, "registrationToken is null");
    }

    /** Never prints the token. */
    @Override
    public String toString() {
        return "Bootstrap[serverUrl=" + serverUrl + ", caFingerprint=" + caFingerprint + ", registrationToken=<redacted>]";
    }
}
