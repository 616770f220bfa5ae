package io.tollgate.api.shopify;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.upstream.Instants;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Tolerant reads of Shopify JSON: a missing field, a JSON null, or a value of the wrong type all read as null. */
final class Nodes {
    private Nodes() {
    }

    static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        if (value == null || !(value.isTextual() || value.isNumber() || value.isBoolean())) {
            return null;
        }
        String text = value.asText().strip();
        return text.isEmpty() ? null : text;
    }

    /** A numeric id as an exact decimal string: JSON integers of any size and strings are kept digit for digit. */
    static String id(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        if (value == null) {
            return null;
        }
        if (value.isIntegralNumber()) {
            return value.bigIntegerValue().toString();
        }
        if (value.isTextual()) {
            String text = value.textValue().strip();
            return text.isEmpty() ? null : text;
        }
        return null;
    }

    static long positiveLong(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        if (value == null) {
            return 0;
        }
        if (value.isIntegralNumber() && value.canConvertToLong() && value.longValue() > 0) {
            return value.longValue();
        }
        if (value.isTextual()) {
            return digitsOf(value.textValue());
        }
        return 0;
    }

    static Instant instant(JsonNode node, String field) {
        return Instants.parse(text(node, field));
    }

    /** An upper-case enum-like value: "partially_refunded" and "PARTIALLY_REFUNDED" both give PARTIALLY_REFUNDED. */
    static String status(JsonNode node, String field) {
        String text = text(node, field);
        return text == null ? null : text.toUpperCase(Locale.ROOT).replace(' ', '_').replace('-', '_');
    }

    /** The elements of a JSON array, a GraphQL connection's {@code nodes}, or its {@code edges[].node}. */
    static List<JsonNode> elements(JsonNode value) {
        List<JsonNode> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        if (value.isArray()) {
            value.forEach(element -> {
                if (element.isObject()) {
                    out.add(element);
                }
            });
        } else if (value.isObject()) {
            if (value.get("nodes") != null && value.get("nodes").isArray()) {
                return elements(value.get("nodes"));
            }
            JsonNode edges = value.get("edges");
            if (edges != null && edges.isArray()) {
                edges.forEach(edge -> {
                    JsonNode node = edge.get("node");
                    if (node != null && node.isObject()) {
                        out.add(node);
                    }
                });
            }
        }
        return out;
    }

    /** Strings of a JSON array (non-strings and blanks become null, keeping positions). */
    static List<String> strings(JsonNode value) {
        List<String> out = new ArrayList<>();
        if (value != null && value.isArray()) {
            value.forEach(element -> {
                String text = element.isTextual() ? element.textValue().strip() : null;
                out.add(text == null || text.isEmpty() ? null : text);
            });
        }
        return out;
    }

    /** The first run of ASCII digits in the text as a number (up to 18 digits), 0 if there is none. */
    static long digitsOf(String text) {
        if (text == null) {
            return 0;
        }
        int start = 0;
        while (start < text.length() && !isDigit(text.charAt(start))) {
            start++;
        }
        int end = start;
        while (end < text.length() && isDigit(text.charAt(end))) {
            end++;
        }
        if (end == start || end - start > 18) {
            return 0;
        }
        return Long.parseLong(text, start, end, 10);
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** Fulfillments that never shipped (cancelled, failed, errored) must not lend their tracking to a reply. */
    static boolean fulfillmentVoid(JsonNode fulfillment) {
        String status = status(fulfillment, "status");
        return "CANCELLED".equals(status) || "FAILURE".equals(status) || "ERROR".equals(status);
    }
}
