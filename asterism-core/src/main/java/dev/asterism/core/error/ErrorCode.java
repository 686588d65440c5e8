package dev.asterism.core.error;

/** Why a request failed. The server maps each code to one HTTP status in one place. */
public enum ErrorCode {
    /** The request is not well-formed: bad JSON, a field of the wrong type, an unknown query value. */
    MALFORMED_REQUEST,
    /** The request body is not JSON in UTF-8 (its Content-Type says something else). */
    UNSUPPORTED_MEDIA_TYPE,
    /** The request is well-formed but a value breaks a rule (name syntax, size limits). */
    VALIDATION_FAILED,
    /** No valid credentials came with the request. */
    UNAUTHENTICATED,
    /** The caller is known but lacks the role or grant the request needs. */
    FORBIDDEN,
    /** A named thing does not exist (or the caller may not see it). */
    NOT_FOUND,
    /** A thing with that name exists already. */
    ALREADY_EXISTS,
    /** The request conflicts with the current state (a profile in use, a destroyed VM). */
    CONFLICT,
    /** Too many failed logins or requests; retry after the time in the details. */
    TOO_MANY_REQUESTS,
    /** The browser session's CSRF token is missing or wrong. */
    CSRF_TOKEN_INVALID,
    /** The realm behind the request cannot be reached right now. */
    REALM_UNAVAILABLE,
    /** The VM's agent is not connected to this server now (it is starting, restarting, or on another server). */
    AGENT_UNAVAILABLE,
    /** A bug or an unexpected failure; the message never carries internals. */
    INTERNAL
}
