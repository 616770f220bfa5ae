package io.tollgate.tenant;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;

/**
 * A credential or webhook secret. It never prints itself ({@code Secret[***]}), has no bean getters so no JSON
 * writer can serialise it, and compares in constant time. Read the value only where it is used, with
 * {@link #reveal()} or {@link #revealBytes()}.
 */
public final class Secret {
    private final byte[] value;

    private Secret(byte[] value) {
        this.value = value;
    }

    public static Secret of(String value) {
        Objects.requireNonNull(value, "value");
        return new Secret(value.getBytes(StandardCharsets.UTF_8));
    }

    public static Secret ofBytes(byte[] value) {
        Objects.requireNonNull(value, "value");
        return new Secret(value.clone());
    }

    public String reveal() {
        return new String(value, StandardCharsets.UTF_8);
    }

    public byte[] revealBytes() {
        return value.clone();
    }

    public int length() {
        return value.length;
    }

    /** Constant-time comparison with a candidate given by a caller (a header value, a token). */
    public boolean matches(byte[] candidate) {
        return candidate != null && MessageDigest.isEqual(value, candidate);
    }

    public boolean matches(String candidate) {
        return candidate != null && matches(candidate.getBytes(StandardCharsets.UTF_8));
    }

    /** The last four characters, for operators to tell credentials apart; empty for short secrets. */
    public String hint() {
        String s = reveal();
        return s.length() < 12 ? "" : s.substring(s.length() - 4);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret other && MessageDigest.isEqual(value, other.value);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "Secret[***]";
    }
}
