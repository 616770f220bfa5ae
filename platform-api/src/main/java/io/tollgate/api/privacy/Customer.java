package io.tollgate.api.privacy;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The customer a customers/redact names: Shopify customer id, e-mail, phone (each may be null) and the order ids
 * Shopify lists in {@code orders_to_redact}. Held only while the erasure runs: never stored, never logged.
 */
public record Customer(Long id, String email, String phone, List<Long> orderIds) {
    public Customer {
        email = email == null || email.isBlank() ? null : email.strip().toLowerCase(Locale.ROOT);
        phone = phone == null || phone.isBlank() ? null : phone.strip();
        orderIds = List.copyOf(Objects.requireNonNull(orderIds, "orderIds"));
    }

    /** The phone's digits, or null when it has too few to identify anyone (fewer than 7). */
    String phoneDigits() {
        if (phone == null) {
            return null;
        }
        String digits = BodyMatcher.digits(phone);
        return digits.length() >= 7 ? digits : null;
    }

    @Override
    public String toString() {
        return "Customer[personal data withheld]";
    }
}
