package io.tollgate.api.ingest;

import io.tollgate.tenant.Provider;
import io.tollgate.tenant.verify.HeaderLookup;

import java.util.HexFormat;
import java.util.Optional;

/**
 * The dedup key of a delivery (CONTRACT §1). Gorgias: {@code X-Gorgias-Webhook-Id}, else the body's SHA-256 (Gorgias
 * resends the same body). Shopify: topic with {@code X-Shopify-Event-Id} (one action fans out to several topics under
 * one event id), else {@code X-Shopify-Webhook-Id}, else the body's SHA-256.
 */
final class DeliveryKeys {
    private DeliveryKeys() {
    }

    static String of(Provider provider, HeaderLookup h, Optional<String> topic, byte[] sha256) {
        return switch (provider) {
            case GORGIAS -> h.first("X-Gorgias-Webhook-Id").map(String::strip).filter(s -> !s.isEmpty())
                    .map(id -> "id:" + id)
                    .orElseGet(() -> body(sha256));
            case SHOPIFY -> h.first("X-Shopify-Event-Id").map(String::strip).filter(s -> !s.isEmpty())
                    .map(id -> "event:" + topic.orElse("") + ":" + id)
                    .or(() -> h.first("X-Shopify-Webhook-Id").map(String::strip).filter(s -> !s.isEmpty())
                            .map(id -> "webhook:" + id))
                    .orElseGet(() -> body(sha256));
        };
    }

    private static String body(byte[] sha256) {
        return "sha256:" + HexFormat.of().formatHex(sha256);
    }
}
