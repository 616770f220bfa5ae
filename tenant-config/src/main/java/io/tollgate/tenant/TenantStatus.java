package io.tollgate.tenant;

/** Whether a tenant's webhooks are served. A suspended tenant's deliveries are refused with 403. */
public enum TenantStatus {
    ACTIVE("active"),
    SUSPENDED("suspended");

    private final String wire;

    TenantStatus(String wire) {
        this.wire = wire;
    }

    /** The value stored in the database and shown in the API. */
    public String wire() {
        return wire;
    }

    public static TenantStatus fromWire(String value) {
        for (TenantStatus s : values()) {
            if (s.wire.equals(value)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown tenant status: " + value);
    }
}
