package io.tollgate.api.draft;

import io.tollgate.api.orders.OrderFacts;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How both draft writers turn outside values into text: an order's label, a date ("March 12, 2024", in UTC), a
 * cleaned one-line value, a web link check and HTML escaping. The template writes them into its reply; the model
 * writer into the facts it gives the model.
 */
final class DraftText {
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("MMMM d, uuuu", Locale.ENGLISH).withZone(ZoneOffset.UTC);
    private static final Pattern UNPRINTABLE = Pattern.compile("[\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}]");
    private static final Pattern WHITE_SPACE = Pattern.compile("\\s++");

    private DraftText() {
    }

    /** The order's name (cleaned), else "#" and its number; null when it has neither. */
    static String label(OrderFacts order) {
        String name = clean(order.name(), 40);
        if (name != null) {
            return name;
        }
        return order.number() > 0 ? "#" + order.number() : null;
    }

    /** "March 12, 2024" (UTC); null for null. */
    static String date(Instant instant) {
        return instant == null ? null : DATE.format(instant);
    }

    /**
     * Outside text for one line: control, format and separator characters (line breaks, bidi overrides, ...)
     * become spaces, runs of white space become one, and text longer than max is cut with an ellipsis; null if
     * nothing is left.
     */
    static String clean(String value, int max) {
        if (value == null) {
            return null;
        }
        // both patterns are linear (single characters; one greedy run each); the prefix bounds the work for a long
        // value, and is many times what can be kept
        String flat = UNPRINTABLE.matcher(prefix(value, max * 16 + 256)).replaceAll(" ");
        flat = WHITE_SPACE.matcher(flat).replaceAll(" ").strip();
        if (flat.isEmpty()) {
            return null;
        }
        return flat.length() > max ? flat.substring(0, max - 1).strip() + "\u2026" : flat;
    }

    /** The first {@code max} characters of {@code value}, not splitting a surrogate pair. */
    static String prefix(String value, int max) {
        if (value.length() <= max) {
            return value;
        }
        return value.substring(0, Character.isHighSurrogate(value.charAt(max - 1)) ? max - 1 : max);
    }

    /** An absolute http(s) URL with a host: the only kind of tracking URL that becomes a link. */
    static boolean isWebLink(String url) {
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme();
            return scheme != null && (scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                    && uri.getHost() != null && !uri.getHost().isEmpty();
        } catch (URISyntaxException e) {
            return false;
        }
    }

    static String escape(String value) {
        StringBuilder out = new StringBuilder(value.length() + 16);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
