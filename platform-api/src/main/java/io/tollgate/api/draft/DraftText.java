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
 * How both draft writers turn outside values into text: the agent's header line and its warning for an unverified
 * address, an order's label, a date ("March 12, 2024", in UTC), shipping and payment states in words, a cleaned
 * one-line value, a web link check and HTML escaping. The template writes them into its reply; the model writer into
 * the facts it gives the model and the header of the model's reply.
 */
final class DraftText {
    /** The start of every draft's first line, for the agent. */
    static final String HEADER = "Suggested reply (Tollgate):";

    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("MMMM d, uuuu", Locale.ENGLISH).withZone(ZoneOffset.UTC);
    private static final Pattern UNPRINTABLE = Pattern.compile("[\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}]");
    private static final Pattern WHITE_SPACE = Pattern.compile("\\s++");

    private DraftText() {
    }

    /**
     * The agent's warning when the channel does not prove the customer's address (empty when it does): the note then
     * leaves out the address and every tracking number and link.
     */
    static String unverified(DraftRequest request) {
        if (request.addressVerified()) {
            return "";
        }
        String channel = clean(request.channel(), 40);
        return " The customer's email address is NOT verified: the message came " + (channel == null
                ? "by an unknown channel" : "by " + channel) + ", not as an email from that address, so this note"
                + " leaves out the address and any tracking. Confirm who the customer is before sharing order"
                + " details.";
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

    /** Shipping state in plain words, completing "Your order #1001 ..."; null if Shopify did not say. */
    static String shipping(String status) {
        if (status == null) {
            return null;
        }
        return switch (status) {
            case "FULFILLED" -> "has shipped";
            case "UNFULFILLED", "OPEN" -> "is being prepared";
            case "IN_PROGRESS", "PENDING_FULFILLMENT" -> "is being prepared for shipping";
            case "PARTIALLY_FULFILLED" -> "has partly shipped, and the rest is being prepared";
            case "SCHEDULED" -> "is scheduled to be prepared";
            case "ON_HOLD" -> "is on hold for the moment";
            case "RESTOCKED" -> "has not shipped: its items were returned to stock";
            case "REQUEST_DECLINED" -> "is delayed";
            case "FULFILLMENT_NOT_REQUIRED" -> "does not need to be shipped";
            default -> null;
        };
    }

    /** Payment state as a sentence; null if Shopify did not say or said something unknown. */
    static String payment(String status) {
        if (status == null) {
            return null;
        }
        return switch (status) {
            case "PAID" -> "The payment has been received.";
            case "PENDING" -> "The payment is still pending.";
            case "AUTHORIZED" -> "The payment has been authorized.";
            case "PARTIALLY_PAID" -> "The order has been partly paid.";
            case "PARTIALLY_REFUNDED" -> "Part of the payment has been refunded.";
            case "REFUNDED" -> "The payment has been refunded.";
            case "VOIDED" -> "The payment was voided.";
            case "EXPIRED" -> "The payment authorization has expired.";
            default -> null;
        };
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
