package io.tollgate.api.input;

import java.util.Optional;

/**
 * Text a client sends that we may store: no control characters (PostgreSQL cannot hold NUL at all; the others have
 * no place in names, identifiers or secrets) and no unpaired surrogates (they have no UTF-8 form and would silently
 * become '?').
 */
public final class StorableText {
    static final String CONTROL = "must not contain control characters";
    static final String SURROGATE = "must not contain unpaired surrogates (text that is not valid Unicode)";
    private static final char REPLACEMENT = '\uFFFD';

    private StorableText() {
    }

    /** Why {@code s} may not be stored, as a field message, or empty when it may. */
    public static Optional<String> problem(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c)) {
                return Optional.of(CONTROL);
            }
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return Optional.of(SURROGATE);
            }
        }
        return Optional.empty();
    }

    /**
     * {@code s} made storable whatever it holds, for records that must never fail to be written (the audit log):
     * every control character and unpaired surrogate becomes U+FFFD, and the text is cut to {@code max} characters.
     */
    public static String sanitise(String s, int max) {
        if (s == null) {
            return null;
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), max));
        for (int i = 0; i < s.length() && b.length() < max; i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                if (b.length() + 2 > max) {
                    break;
                }
                b.append(c).append(s.charAt(++i));
            } else if (Character.isISOControl(c) || Character.isSurrogate(c)) {
                b.append(REPLACEMENT);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** {@code s} with control characters and unpaired surrogates written as backslash-uXXXX, for naming a key. */
    static String escape(String s) {
        if (problem(s).isEmpty()) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                b.append(c).append(s.charAt(++i));
            } else if (Character.isISOControl(c) || Character.isSurrogate(c)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
