package io.tollgate.api.access;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What an operator token may do. Each admin route needs one scope ({@link AdminRoutes}); a token holds the scopes it
 * was created with plus what they imply: {@code operate} and {@code payloads} each imply {@code read} (changing a
 * tenant, or reading its stored bodies, starts with finding it). {@code tokens} implies nothing: a token manager need
 * not see merchants.
 */
public enum Scope {
    /** Read-only: tenants, their connections, events' metadata (never bodies), the audit log, key ids in use. */
    READ,
    /** Tenant writes: create, patch, suspend, resume, delete, rotate secrets, connect, replay; re-encryption. */
    OPERATE,
    /** Stored webhook bodies (customers' personal data) in an event's detail. */
    PAYLOADS,
    /** Operator tokens: create, list, revoke, and disabling the bootstrap token. */
    TOKENS;

    public static final Set<Scope> ALL = EnumSet.allOf(Scope.class);

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Scope> fromWire(String s) {
        return Arrays.stream(values()).filter(v -> v.wire().equals(s)).findFirst();
    }

    /** The scopes {@code granted} gives, with what they imply. */
    public static Set<Scope> effective(Set<Scope> granted) {
        Set<Scope> all = granted.isEmpty() ? EnumSet.noneOf(Scope.class) : EnumSet.copyOf(granted);
        if (all.contains(OPERATE) || all.contains(PAYLOADS)) {
            all.add(READ);
        }
        return Set.copyOf(all);
    }
}
