package dev.asterism.bench;

/** A benchmark that could not run (no database, a server that did not start), with a message a user can act on. */
public final class BenchmarkException extends RuntimeException {

    BenchmarkException(String message, Throwable cause) {
        super(message, cause);
    }

    BenchmarkException(String message) {
        super(message);
    }
}
