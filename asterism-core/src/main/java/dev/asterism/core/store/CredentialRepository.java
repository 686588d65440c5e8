package dev.asterism.core.store;

import dev.asterism.core.user.User;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** API tokens and browser sessions. Only hashes of their secrets are stored. */
public interface CredentialRepository {
    void insertToken(String id, long userId, String name, String secretHash, Instant now);

    Optional<TokenOwner> findToken(String secretHash);

    List<ApiToken> tokens(long userId);

    boolean deleteToken(String id, long userId);

    void touchToken(String id, Instant now);

    void insertSession(String idHash, long userId, String csrfToken, Instant now, Instant expiresAt);

    Optional<SessionOwner> findSession(String idHash, Instant now);

    void deleteSession(String idHash);

    int deleteExpiredSessions(Instant now);

    record ApiToken(String id, String name, Instant createdAt, Instant lastUsedAt) {}

    record TokenOwner(ApiToken token, User user) {}

    record SessionOwner(User user, String csrfToken, Instant expiresAt) {}
}
