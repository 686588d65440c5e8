package dev.asterism.core.vm;

import dev.asterism.core.auth.Secrets;

/**
 * One-time registration tokens, derived from a server key and the VM id. Deriving rather than storing
 * them means a create retried after a crash hands the realm the same token, and the database holds none.
 * "One time" is enforced by the VM's state: a registered VM refuses every further registration.
 */
public final class RegistrationTokens {
    private final String key;

    public RegistrationTokens(String key) {
        this.key = key;
    }

    public String tokenFor(String vmId) {
        return "reg_" + Secrets.hmac(key, "registration:" + vmId);
    }

    public boolean matches(String vmId, String token) {
        return token != null && Secrets.constantTimeEquals(tokenFor(vmId), token);
    }
}
