package dev.asterism.cli.credentials;

/** The credentials file could not be read or written (permissions, a full disk, a damaged file). */
public final class CredentialStoreException extends RuntimeException {

    public CredentialStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
