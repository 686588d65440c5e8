package dev.asterism.server.http;

import dev.asterism.core.auth.AuthService;
import dev.asterism.core.auth.Secrets;
import dev.asterism.core.store.CredentialRepository.SessionOwner;
import dev.asterism.core.error.AsterismException;
import dev.asterism.core.error.ErrorCode;
import dev.asterism.core.user.User;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Who sends a request: a bearer API token (CLI, scripts) or a browser session cookie. Cookie-authenticated
 * requests that change anything must carry the session's CSRF token in {@code X-CSRF-Token}.
 */
public final class RequestAuthenticator {
    public static final String SESSION_COOKIE = "asterism_session";
    static final String CSRF_HEADER = "X-CSRF-Token";
    private static final String CALLER = "asterism.caller";

    private final AuthService auth;

    RequestAuthenticator(AuthService auth) {
        this.auth = auth;
    }

    /** The caller. @throws AsterismException UNAUTHENTICATED or CSRF_TOKEN_INVALID */
    User caller(Context context) {
        User known = context.attribute(CALLER);
        if (known != null) {
            return known;
        }
        User user = authenticate(context);
        context.attribute(CALLER, user);
        return user;
    }

    /**
     * The credential this request came with, to be checked again by what outlives the request (event streams,
     * tunnels): the user as they are now, or empty once the token is revoked, the session ended or expired, or the
     * user deleted.
     */
    public Supplier<Optional<User>> recheck(Context context) {
        String header = context.header("Authorization");
        String sessionId = context.cookie(SESSION_COOKIE);
        return () -> {
            try {
                if (header != null) {
                    return Optional.of(auth.authenticateToken(header.substring("Bearer ".length()).strip()));
                }
                return sessionId == null ? Optional.empty() : auth.session(sessionId).map(SessionOwner::user);
            } catch (AsterismException | StringIndexOutOfBoundsException gone) {
                return Optional.empty();
            }
        };
    }

    private User authenticate(Context context) {
        String header = context.header("Authorization");
        if (header != null) {
            if (!header.startsWith("Bearer ") || header.length() <= 7) {
                throw new AsterismException(ErrorCode.UNAUTHENTICATED,
                        "the Authorization header must be 'Bearer <token>': run `asterism login` for a token");
            }
            return auth.authenticateToken(header.substring(7).strip());
        }
        String sessionId = context.cookie(SESSION_COOKIE);
        if (sessionId == null) {
            throw new AsterismException(ErrorCode.UNAUTHENTICATED,
                    "log in first: send 'Authorization: Bearer <token>' (see `asterism login`) or a session cookie");
        }
        var session = auth.session(sessionId).orElseThrow(() -> new AsterismException(ErrorCode.UNAUTHENTICATED,
                "your session has expired or ended: log in again"));
        if (changesState(context.method())) {
            String presented = context.header(CSRF_HEADER);
            if (presented == null || !Secrets.constantTimeEquals(presented, session.csrfToken())) {
                throw new AsterismException(ErrorCode.CSRF_TOKEN_INVALID, "the " + CSRF_HEADER
                        + " header is missing or wrong: reload the page and try again");
            }
        }
        return session.user();
    }

    public static void setSessionCookie(Context context, String sessionId, Instant expiresAt, Instant now) {
        long maxAge = Math.max(0, Duration.between(now, expiresAt).toSeconds());
        context.header("Set-Cookie", SESSION_COOKIE + "=" + sessionId + "; Path=/; Max-Age=" + maxAge
                + "; HttpOnly; SameSite=Strict" + (isTls(context) ? "; Secure" : ""));
    }

    public static void clearSessionCookie(Context context) {
        context.header("Set-Cookie", SESSION_COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"
                + (isTls(context) ? "; Secure" : ""));
    }

    private static boolean isTls(Context context) {
        return "https".equalsIgnoreCase(context.scheme());
    }

    private static boolean changesState(HandlerType method) {
        return method != HandlerType.GET && method != HandlerType.HEAD && method != HandlerType.OPTIONS;
    }
}
