package io.tollgate.tenant.verify;

import io.tollgate.tenant.Secret;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 of the raw body, sent in {@code header} as hex or base64, optionally after {@code prefix}
 * (e.g. {@code sha256=}; accepted, not required).
 */
public record HmacVerifier(String header, Encoding encoding, String prefix) implements WebhookVerifier {
    public enum Encoding { HEX, BASE64 }

    @Override
    public boolean verify(HeaderLookup headers, byte[] body, List<Secret> secrets) {
        Optional<byte[]> claimed = headers.first(header).flatMap(this::decode);
        if (claimed.isEmpty() || claimed.get().length != 32) {
            return false;
        }
        boolean match = false;
        for (Secret s : secrets) {
            // no early exit: the time taken does not tell which secret matched
            match |= MessageDigest.isEqual(hmac(s, body), claimed.get());
        }
        return match;
    }

    /** Without a signature of the right shape (32 bytes in this encoding) no body can verify. */
    @Override
    public Precheck precheck(HeaderLookup headers, List<Secret> secrets) {
        Optional<byte[]> claimed = headers.first(header).flatMap(this::decode);
        return claimed.isEmpty() || claimed.get().length != 32 ? Precheck.FORGED : Precheck.NEEDS_BODY;
    }

    /** HMAC-SHA256 of {@code body} under {@code secret}, encoded the way this scheme sends it. */
    public String sign(Secret secret, byte[] body) {
        byte[] mac = hmac(secret, body);
        return encoding == Encoding.HEX ? HexFormat.of().formatHex(mac) : Base64.getEncoder().encodeToString(mac);
    }

    private Optional<byte[]> decode(String value) {
        String v = value.strip();
        if (!prefix.isEmpty() && v.toLowerCase(Locale.ROOT).startsWith(prefix)) {
            v = v.substring(prefix.length());
        }
        try {
            return Optional.of(encoding == Encoding.HEX ? HexFormat.of().parseHex(v.toLowerCase(Locale.ROOT))
                                       : Base64.getDecoder().decode(v));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * An HmacSHA256 never given a key, cloned for each use: {@code Mac.getInstance} looks up and verifies the
     * provider and builds its implementation reflectively on every call, a visible share of every delivery's CPU.
     */
    private static final Mac PROTOTYPE;

    static {
        try {
            PROTOTYPE = Mac.getInstance("HmacSHA256");
            // the provider is chosen now, so that clones share nothing mutable with it
            PROTOTYPE.init(new SecretKeySpec(new byte[32], "HmacSHA256"));
            PROTOTYPE.reset();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    static byte[] hmac(Secret secret, byte[] body) {
        try {
            Mac mac = (Mac) PROTOTYPE.clone();
            mac.init(new SecretKeySpec(secret.revealBytes(), "HmacSHA256"));
            return mac.doFinal(body);
        } catch (GeneralSecurityException | CloneNotSupportedException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
