package io.tollgate.tenant;

import java.util.Optional;

/** The upstream systems that send webhooks to Tollgate. */
public enum Provider {
    GORGIAS("gorgias"),
    SHOPIFY("shopify");

    private final String wire;

    Provider(String wire) {
        this.wire = wire;
    }

    /** The value used in URLs, the database and the API. */
    public String wire() {
        return wire;
    }

    public static Optional<Provider> fromWire(String value) {
        for (Provider p : values()) {
            if (p.wire.equals(value)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
