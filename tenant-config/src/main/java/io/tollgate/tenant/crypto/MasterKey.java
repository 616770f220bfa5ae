package io.tollgate.tenant.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * An AES-256 key that encrypts stored credentials, with a short id derived from the key itself (8 bytes of a
 * SHA-256 over a label and the key) that is written into every ciphertext, so the key in use can be rotated while
 * older ciphertexts still name the key that opens them.
 */
public final class MasterKey {
    static final int ID_LENGTH = 8;
    private static final byte[] ID_LABEL = "tollgate-master-key-id:v1:".getBytes(StandardCharsets.US_ASCII);

    private final byte[] id;
    private final SecretKey key;

    private MasterKey(byte[] raw) {
        this.key = new SecretKeySpec(raw, "AES");
        this.id = Arrays.copyOf(sha256(ID_LABEL, raw), ID_LENGTH);
    }

    /**
     * Parses {@code TOLLGATE_MASTER_KEY}: base64 of exactly 32 bytes.
     *
     * @throws IllegalArgumentException saying what is wrong, never echoing the value
     */
    public static MasterKey fromBase64(String base64) {
        if (base64 == null || base64.isBlank()) {
            throw new IllegalArgumentException("is empty; generate one with: openssl rand -base64 32");
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("is not valid base64; generate one with: openssl rand -base64 32");
        }
        if (raw.length != 32) {
            throw new IllegalArgumentException("must be base64 of 32 bytes (got " + raw.length
                    + "); generate one with: openssl rand -base64 32");
        }
        return new MasterKey(raw);
    }

    /** A fresh random key, base64-encoded (for local mode and tests). */
    public static String generateBase64() {
        byte[] raw = new byte[32];
        new java.security.SecureRandom().nextBytes(raw);
        return Base64.getEncoder().encodeToString(raw);
    }

    byte[] idBytes() {
        return id.clone();
    }

    /** The key id as 16 hex characters: safe to log. */
    public String id() {
        return HexFormat.of().formatHex(id);
    }

    SecretKey secretKey() {
        return key;
    }

    private static byte[] sha256(byte[] a, byte[] b) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(a);
            md.update(b);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "MasterKey[" + id() + "]";
    }
}
