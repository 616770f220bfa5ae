package io.tollgate.api.connect;

/** Whether a tenant's connection to a provider is known to work. */
public enum ConnectionStatus {
    /** Everything Tollgate registered was there and as it should be when last checked. */
    OK("ok"),
    /** Something is wrong (a credential refused, an integration or subscription missing); the reason says what. */
    BROKEN("broken"),
    /** Never checked to the end (a connect that did not finish). */
    UNKNOWN("unknown");

    private final String wire;

    ConnectionStatus(String wire) {
        this.wire = wire;
    }

    /** The value in the database and the API. */
    public String wire() {
        return wire;
    }

    static ConnectionStatus fromWire(String value) {
        for (ConnectionStatus s : values()) {
            if (s.wire.equals(value)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown connection status " + value);
    }
}
