package dev.asterism.store;

/** The database failed; the server reports it as an internal error without the SQL. */
public final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
