package io.tollgate.tenant.crypto;

import io.tollgate.tenant.Secret;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * AES-256-GCM for every stored credential and webhook secret.
 *
 * <p>Layout of a ciphertext: {@code version(1) | key id(8) | nonce(12) | ciphertext + tag(16)}. The associated data
 * binds the ciphertext to where it belongs ({@code context}, e.g. {@code <tenant uuid>/gorgias.api_key}), so a value
 * copied to another tenant's row or another column does not decrypt. New values are always sealed with the current
 * key; older keys only open what they sealed.
 */
public final class CredentialCipher {
    private static final byte VERSION = 1;
    private static final int NONCE_LENGTH = 12;
    private static final int TAG_BITS = 128;
    private static final int HEADER = 1 + MasterKey.ID_LENGTH + NONCE_LENGTH;
    private static final byte[] AAD_PREFIX = "tollgate:v1:".getBytes(StandardCharsets.US_ASCII);

    private final MasterKey current;
    private final List<MasterKey> keys;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param current  the key that seals new values
     * @param previous keys that may still open older values (key rotation)
     */
    public CredentialCipher(MasterKey current, List<MasterKey> previous) {
        this.current = Objects.requireNonNull(current, "current");
        List<MasterKey> all = new ArrayList<>();
        all.add(current);
        all.addAll(previous);
        this.keys = List.copyOf(all);
    }

    public CredentialCipher(MasterKey current) {
        this(current, List.of());
    }

    public String currentKeyId() {
        return current.id();
    }

    public byte[] encrypt(Secret plaintext, String context) {
        byte[] nonce = new byte[NONCE_LENGTH];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, current.secretKey(), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(aad(context));
            byte[] sealed = cipher.doFinal(plaintext.revealBytes());
            return ByteBuffer.allocate(HEADER + sealed.length)
                    .put(VERSION)
                    .put(current.idBytes())
                    .put(nonce)
                    .put(sealed)
                    .array();
        } catch (GeneralSecurityException e) {
            throw new CredentialCryptoException("encryption failed", e);
        }
    }

    /**
     * @throws CredentialCryptoException when the value was tampered with, was sealed for another context, or names
     *                                   a key this instance does not have
     */
    public Secret decrypt(byte[] ciphertext, String context) {
        if (ciphertext == null || ciphertext.length < HEADER + TAG_BITS / 8 || ciphertext[0] != VERSION) {
            throw new CredentialCryptoException("not a Tollgate ciphertext (context " + context + ")");
        }
        byte[] keyId = java.util.Arrays.copyOfRange(ciphertext, 1, 1 + MasterKey.ID_LENGTH);
        MasterKey key = keys.stream()
                .filter(k -> MessageDigest.isEqual(k.idBytes(), keyId))
                .findFirst()
                .orElseThrow(() -> new CredentialCryptoException("ciphertext for " + context
                        + " was sealed with a master key this server does not have (key id "
                        + java.util.HexFormat.of().formatHex(keyId) + ")"));
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key.secretKey(),
                        new GCMParameterSpec(TAG_BITS, ciphertext, 1 + MasterKey.ID_LENGTH, NONCE_LENGTH));
            cipher.updateAAD(aad(context));
            return Secret.ofBytes(cipher.doFinal(ciphertext, HEADER, ciphertext.length - HEADER));
        } catch (GeneralSecurityException e) {
            throw new CredentialCryptoException("ciphertext for " + context
                    + " failed authentication (tampered, or sealed for another place)", e);
        }
    }

    /** Every key this instance can open with, as ids: the current one first, then the previous ones. */
    public List<String> keyIds() {
        return keys.stream().map(MasterKey::id).toList();
    }

    /** The id (16 hex characters) of the key a ciphertext names; empty when it is not a Tollgate ciphertext. */
    public static java.util.Optional<String> keyIdOf(byte[] ciphertext) {
        if (ciphertext == null || ciphertext.length < HEADER || ciphertext[0] != VERSION) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(java.util.HexFormat.of().formatHex(ciphertext, 1, 1 + MasterKey.ID_LENGTH));
    }

    /** True when the value was sealed with an older key and should be re-encrypted with the current one. */
    public boolean sealedWithOlderKey(byte[] ciphertext) {
        byte[] keyId = java.util.Arrays.copyOfRange(ciphertext, 1, 1 + MasterKey.ID_LENGTH);
        return !MessageDigest.isEqual(current.idBytes(), keyId);
    }

    private static byte[] aad(String context) {
        byte[] c = context.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(AAD_PREFIX.length + c.length).put(AAD_PREFIX).put(c).array();
    }
}
