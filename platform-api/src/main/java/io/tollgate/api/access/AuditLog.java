package io.tollgate.api.access;

import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;
import io.tollgate.api.input.StorableText;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.db.Rows;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static io.tollgate.tenant.db.Rows.bigint;
import static io.tollgate.tenant.db.Rows.instant;
import static io.tollgate.tenant.db.Rows.optString;
import static io.tollgate.tenant.db.Rows.string;

/** The record of operator actions: who (token id and name), what, on which tenant, when, and how it ended. */
public final class AuditLog {
    private final Database db;

    public AuditLog(Database db) {
        this.db = db;
    }

    /** What a handler says about the call it served, for the audit row written after it. */
    public record Note(String action, Optional<TenantId> tenantId, Optional<String> tenantSlug,
                       Optional<String> target) {
        /** A call on tenant {@code t}, with what it acted on within the tenant. */
        public static Note on(String action, ResolvedTenant t, Optional<String> target) {
            return new Note(action, Optional.of(t.id()), Optional.of(t.tenant().slug()), target);
        }
    }

    /**
     * How a call that answered 2xx ended, when that is not plain success: a connect whose steps failed answers 200
     * with {@code "status": "failed"} (or {@code "partial"}), and its audit row must say so. A handler registers it
     * in the request's context; a 4xx or 5xx answer is a {@code failure} whatever it says.
     */
    public enum Outcome {
        SUCCESS("success"), PARTIAL("partial"), FAILURE("failure");

        private final String wire;

        Outcome(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    public record Entry(long id, Instant at, Optional<String> tokenId, String tokenName, String action,
                        Optional<String> tenantSlug, Optional<String> target, String outcome, int status) {
    }

    /**
     * Writes one row. Every text in it may come from the client (a path, a token name, a slug that did not
     * validate), so it is made storable first: a row must never be lost to what a client sent.
     */
    public void record(Operator who, Note note, int status, Optional<Outcome> outcome) {
        db.call(() -> db.client().execute().insert("""
                INSERT INTO audit_log (token_id, token_name, action, tenant_id, tenant_slug, target, outcome, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                who.tokenId().orElse(null), storable(who.name()), storable(note.action()),
                note.tenantId().map(TenantId::value).orElse(null), storable(note.tenantSlug().orElse(null)),
                storable(note.target().orElse(null)),
                (status < 400 ? outcome.orElse(Outcome.SUCCESS) : Outcome.FAILURE).wire(), status));
    }

    /** The actor of what the gateway does by itself (a privacy erasure): no operator token. */
    public static final String SYSTEM_ACTOR = "system";

    /**
     * Writes one row for something the gateway did by itself ({@link #SYSTEM_ACTOR}), within the caller's transaction
     * {@code tx}, so the row exists exactly when the action does.
     *
     * @param target what was acted on (an event id)
     * @param detail a JSON object of counts and ids: never personal data, never a secret
     */
    public static void system(DbExecute tx, String action, ResolvedTenant tenant, String target, String detail) {
        tx.insert("""
                INSERT INTO audit_log (token_id, token_name, action, tenant_id, tenant_slug, target, outcome, status,
                                       detail)
                VALUES (NULL, ?, ?, ?, ?, ?, ?, NULL, ?::jsonb)""",
                  SYSTEM_ACTOR, storable(action), tenant.id().value(), storable(tenant.tenant().slug()),
                  storable(target), Outcome.SUCCESS.wire(), detail);
    }

    /** The longest text kept in one audit column; a request path can be far longer. */
    public static final int MAX_TEXT = 1_000;

    private static String storable(String s) {
        return StorableText.sanitise(s, MAX_TEXT);
    }

    /**
     * Which rows a listing shows; each part empty: any.
     *
     * @param actor  the token's name exactly ({@link #SYSTEM_ACTOR} for what the gateway did by itself)
     * @param action the action exactly, e.g. {@code tenant.update}
     * @param after  rows at or after this time
     * @param before rows before this time
     */
    public record Filter(Optional<String> tenantSlug, Optional<String> actor, Optional<String> action,
                         Optional<Instant> after, Optional<Instant> before) {
        public static final Filter ALL = new Filter(Optional.empty(), Optional.empty(), Optional.empty(),
                                                    Optional.empty(), Optional.empty());
    }

    /** Newest first (by id), the rows {@code filter} matches, before {@code beforeId} (keyset pagination). */
    public List<Entry> list(Filter filter, int limit, Optional<Long> beforeId) {
        String slug = filter.tenantSlug().orElse(null);
        String actor = filter.actor().orElse(null);
        String action = filter.action().orElse(null);
        Object after = filter.after().map(Rows::param).orElse(null);
        Object before = filter.before().map(Rows::param).orElse(null);
        return db.call(() -> {
            try (Stream<DbRow> rows = db.client().execute().query("""
                    SELECT id, at, token_id::text AS token_id, token_name, action, tenant_slug, target, outcome, status
                    FROM audit_log
                    WHERE (?::text IS NULL OR tenant_slug = ?) AND (?::text IS NULL OR token_name = ?)
                      AND (?::text IS NULL OR action = ?)
                      AND (?::timestamptz IS NULL OR at >= ?) AND (?::timestamptz IS NULL OR at < ?)
                      AND id < ?
                    ORDER BY id DESC LIMIT ?""",
                    slug, slug, actor, actor, action, action, after, after, before, before,
                    beforeId.orElse(Long.MAX_VALUE), limit)) {
                return rows.map(r -> new Entry(bigint(r, "id"), instant(r, "at"), optString(r, "token_id"),
                                               string(r, "token_name"), string(r, "action"),
                                               optString(r, "tenant_slug"), optString(r, "target"),
                                               string(r, "outcome"),
                                               Rows.optInteger(r, "status").orElse(0))).toList();
            }
        });
    }
}
