package io.tollgate.tenant.crypto;

/** A stored credential could not be sealed or opened. The message never holds key material or plaintext. */
public final class CredentialCryptoException extends RuntimeException {
    public CredentialCryptoException(String message) {
        super(message);
    }

    public CredentialCryptoException(String message, Throwable cause) {
        super(message, cause);
    }
}
