package dev.asterism.core.auth;

import static java.util.Objects.requireNonNull;

import dev.asterism.core.error.AsterismException;
import dev.asterism.core.error.ErrorCode;
import dev.asterism.core.store.CredentialRepository.ApiToken;
import dev.asterism.core.store.CredentialRepository.SessionOwner;
import dev.asterism.core.store.Store;
import dev.asterism.core.user.User;
import dev.asterism.core.validation.Validate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Logins, API tokens (for the CLI and scripts) and browser sessions. Secrets are returned once, at
 * creation, and stored only as SHA-256 hashes.
 */
public final class AuthService {
    private static final Duration TOKEN_TOUCH_INTERVAL = Duration.ofMinutes(1);

    private final Store store;
    private final PasswordHasher hasher;
    private final LoginThrottle userThrottle;
    private final LoginThrottle addressThrottle;
    private final Clock clock;
    private final Duration sessionLifetime;

    /**
     * @param userThrottle failed logins per user name from one address: a stranger's wrong passwords lock the
     *     stranger's address out of that account, not the account's owner elsewhere
     * @param addressThrottle failed logins per address, whatever the names, more lenient: many people may share one
     *     address
     */
    public AuthService(Store store, PasswordHasher hasher, LoginThrottle userThrottle, LoginThrottle addressThrottle,
            Clock clock, Duration sessionLifetime) {
        this.store = requireNonNull(store, "store is null");
        this.hasher = requireNonNull(hasher, "hasher is null");
        this.userThrottle = requireNonNull(userThrottle, "userThrottle is null");
        this.addressThrottle = requireNonNull(addressThrottle, "addressThrottle is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.sessionLifetime = requireNonNull(sessionLifetime, "sessionLifetime is null");
    }

    public record NewToken(ApiToken token, String secret) {}

    public record NewSession(User user, String sessionId, String csrfToken, Instant expiresAt) {}

    public NewToken createToken(String username, String password, String tokenName, String remoteAddress) {
        String name = tokenName == null || tokenName.isBlank() ? "api" : Validate.text("name", tokenName.strip(), 100);
        User user = checkPassword(username, password, remoteAddress, "token");
        String id = Secrets.newId("tok-");
        String secret = Secrets.newSecret("ast_");
        Instant now = now();
        store.run(transaction -> {
            transaction.credentials().insertToken(id, user.id(), name, Secrets.sha256(secret), now);
            transaction.audit().append(user.username(), "auth.token-created", "token:" + id,
                    Map.of("name", name, "remoteAddress", remoteAddress), now);
        });
        return new NewToken(new ApiToken(id, name, now, null), secret);
    }

    public NewSession createSession(String username, String password, String remoteAddress) {
        User user = checkPassword(username, password, remoteAddress, "session");
        String sessionId = Secrets.newSecret("sess_");
        String csrf = Secrets.newSecret("csrf_");
        Instant now = now();
        Instant expiresAt = now.plus(sessionLifetime);
        store.run(transaction -> {
            transaction.credentials().insertSession(Secrets.sha256(sessionId), user.id(), csrf, now, expiresAt);
            transaction.credentials().deleteExpiredSessions(now);
            transaction.audit().append(user.username(), "auth.session-created", "user:" + user.username(),
                    Map.of("remoteAddress", remoteAddress), now);
        });
        return new NewSession(user, sessionId, csrf, expiresAt);
    }

    /** @throws AsterismException UNAUTHENTICATED when the token is unknown or revoked */
    public User authenticateToken(String secret) {
        String hash = Secrets.sha256(secret);
        Instant now = now();
        return store.call(transaction -> {
            var owner = transaction.credentials().findToken(hash).orElseThrow(() -> new AsterismException(
                    ErrorCode.UNAUTHENTICATED, "the API token is unknown or revoked: log in again"));
            Instant lastUsed = owner.token().lastUsedAt();
            if (lastUsed == null || lastUsed.plus(TOKEN_TOUCH_INTERVAL).isBefore(now)) {
                transaction.credentials().touchToken(owner.token().id(), now);
            }
            return owner.user();
        });
    }

    public Optional<SessionOwner> session(String sessionId) {
        Instant now = now();
        return store.call(transaction -> transaction.credentials().findSession(Secrets.sha256(sessionId), now));
    }

    public void logout(User user, String sessionId) {
        Instant now = now();
        store.run(transaction -> {
            transaction.credentials().deleteSession(Secrets.sha256(sessionId));
            transaction.audit().append(user.username(), "auth.session-ended", "user:" + user.username(), Map.of(), now);
        });
    }

    public List<ApiToken> tokens(User user) {
        return store.call(transaction -> transaction.credentials().tokens(user.id()));
    }

    public void revokeToken(User user, String tokenId) {
        Instant now = now();
        store.run(transaction -> {
            if (!transaction.credentials().deleteToken(tokenId, user.id())) {
                throw AsterismException.notFound("token", tokenId);
            }
            transaction.audit().append(user.username(), "auth.token-revoked", "token:" + tokenId, Map.of(), now);
        });
    }

    private User checkPassword(String username, String password, String remoteAddress, String kind) {
        Validate.present("username", username);
        Validate.present("password", password);
        String userFromAddress = username + "\n" + remoteAddress;
        userThrottle.check(userFromAddress);
        addressThrottle.check(remoteAddress);
        Optional<String> stored = store.call(transaction -> transaction.users().passwordHash(username));
        boolean valid;
        if (stored.isPresent()) {
            valid = hasher.verify(password, stored.get());
        } else {
            hasher.verifyNothing(password);
            valid = false;
        }
        Instant now = now();
        if (!valid) {
            userThrottle.failed(userFromAddress);
            addressThrottle.failed(remoteAddress);
            // An unknown name is not recorded: people type passwords into the user field.
            String target = stored.isPresent() ? "user:" + username : "user:<unknown>";
            store.run(transaction -> transaction.audit().append("anonymous", "auth.login-failed", target,
                    Map.of("remoteAddress", remoteAddress, "kind", kind), now));
            throw new AsterismException(ErrorCode.UNAUTHENTICATED, "wrong user name or password");
        }
        userThrottle.succeeded(userFromAddress);
        return store.call(transaction -> transaction.users().find(username)).orElseThrow();
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
