package io.tollgate.api.orders;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigInteger;

/** Shopify's 64-bit ids, read exactly (never through a double): JSON integers, digit strings, or gid://... ids. */
public final class ShopifyIds {
    private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private ShopifyIds() {
    }

    /**
     * The id in {@code node.field}: a positive JSON integer, a string of digits, or a GraphQL global id ending in
     * digits; null when missing, JSON null, or anything else (including values beyond 64 bits).
     */
    public static Long id(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isIntegralNumber()) {
            BigInteger big = value.bigIntegerValue();
            return big.signum() > 0 && big.compareTo(MAX) <= 0 ? big.longValue() : null;
        }
        return value.isTextual() ? parse(value.textValue()) : null;
    }

    /** "450789469" or "gid://shopify/Order/450789469" as a number; null for anything else. */
    public static Long parse(String text) {
        if (text == null) {
            return null;
        }
        String t = text.strip();
        int slash = t.lastIndexOf('/');
        if (t.startsWith("gid://") && slash >= 0) {
            t = t.substring(slash + 1);
        }
        if (t.isEmpty() || t.length() > 19 || !t.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        BigInteger big = new BigInteger(t);
        return big.signum() > 0 && big.compareTo(MAX) <= 0 ? big.longValue() : null;
    }

    /** True when the field is there and not JSON null (so a present but unreadable id can be told from none). */
    public static boolean present(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value != null && !value.isNull();
    }
}
