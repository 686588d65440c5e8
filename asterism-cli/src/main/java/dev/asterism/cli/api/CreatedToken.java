package dev.asterism.cli.api;

/** The answer to a successful login: the only time the server shows a token's secret. */
public record CreatedToken(String id, String name, String token, String createdAt) {

    /** Leaves the secret out, so that no log line or error message can leak it. */
    @Override
    public String toString() {
        return "CreatedToken[id=" + id + ", name=" + name + ", createdAt=" + createdAt + "]";
    }
}
