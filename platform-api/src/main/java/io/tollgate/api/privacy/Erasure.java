package io.tollgate.api.privacy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;
import io.tollgate.api.access.AuditLog;
import io.tollgate.api.http.Json;
import io.tollgate.tenant.EventId;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.db.Database;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.tollgate.tenant.db.Rows.bigint;
import static io.tollgate.tenant.db.Rows.bool;
import static io.tollgate.tenant.db.Rows.bytes;
import static io.tollgate.tenant.db.Rows.optBigint;
import static io.tollgate.tenant.db.Rows.optString;
import static io.tollgate.tenant.db.Rows.param;
import static io.tollgate.tenant.db.Rows.string;
import static io.tollgate.tenant.db.Rows.uuid;

/**
 * Applies a Shopify privacy erasure to every table that can hold a customer's personal data, in one transaction, and
 * records it ({@code privacy_erasures}, and an audit row by the system actor with the counts):
 * <ul>
 *   <li>{@code webhook_events}: each body that concerns the customer ({@link BodyMatcher}; for shop/redact every body
 *       of the tenant) becomes a {@link Tombstone}; its status reason says it was erased; delivery key, payload hash,
 *       headers (no customer data: see the ingest's kept headers) and times stay, so a retry is still a duplicate.
 *       An erased event still waiting (accepted, dead, rejected) is skipped and its job done: there is nothing left
 *       to process;</li>
 *   <li>{@code jobs}: the erased events' {@code last_error} is cleared;</li>
 *   <li>{@code notes}: the texts (and error) of the notes on the customer's Gorgias tickets are cleared and their link
 *       to the deleted ticket row dropped; the ledger row itself (ids, state) stays so a resent ticket event does not
 *       post a second note. The ids of the notes Tollgate posted are returned for the record;</li>
 *   <li>{@code messages}, {@code tickets}, {@code orders}, {@code customers}: the customer's rows are deleted (Gorgias
 *       and Shopify customer rows alike: it is one person).</li>
 * </ul>
 * Idempotent: a second erasure of the same customer finds nothing and records zero rows; a re-run of the same
 * privacy event keeps its first record. The privacy event's own body becomes a tombstone too (not counted).
 */
public final class Erasure {
    /** Bodies read per page while looking for the customer's events. */
    private static final int PAGE = 200;

    private final Database db;

    public Erasure(Database db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    /**
     * A tenant's erasure lock, taken exclusively by an erasure. The job transactions' {@link #FENCE} takes it shared,
     * on the same key ({@code hashtextextended('privacy:' || tenant, 0)}, in changeSet 026's function).
     */
    private static final String LOCK = "SELECT 1 AS x FROM (SELECT pg_advisory_xact_lock(hashtextextended('privacy:'"
            + " || ?::text, 0))) l";

    /**
     * The fence in one statement: the tenant's erasure lock taken shared, then whether an erasure of the tenant was
     * recorded after a time by another event than the job's own, in the VOLATILE PL/pgSQL function
     * {@code tollgate_erasure_fence} (changeSet 026). Its second query runs with a snapshot of its own, taken once the
     * lock is granted: "STABLE and IMMUTABLE functions use a snapshot established as of the start of the calling
     * query, whereas VOLATILE functions obtain a fresh snapshot at the start of each query they execute"
     * (PostgreSQL 15 documentation, 38.7 Function Volatility Categories,
     * https://www.postgresql.org/docs/15/xfunc-volatility.html; in READ COMMITTED, 13.2.1, "a SELECT query ... sees
     * only data committed before the query began", https://www.postgresql.org/docs/15/transaction-iso.html). So it
     * sees an erasure that committed while the lock was waited for, which one plain statement doing both (a single
     * snapshot, taken before the wait) would not: that is why the lock and the look-up were two statements before.
     * Parameters: tenant, since, the job's own event.
     */
    private static final String FENCE = "SELECT tollgate_erasure_fence(?::uuid, ?::timestamptz, ?::uuid) AS erased";

    /**
     * Erasures with a job running at the same time: the job may have read the customer's data (the Gorgias ticket,
     * Shopify's orders) before the erasure and write it after. So an erasure's transaction holds its tenant's
     * erasure lock exclusively, and every transaction of a job run (the worker's {@link Database#fenced fence})
     * first takes it shared, then looks for an erasure of the tenant recorded since {@code since} (the job's claim,
     * on the database's clock, less a margin): if there is one, the transaction writes nothing and the job runs
     * again on what is left. A job transaction that took the lock first commits before the erasure starts, which
     * then erases what it wrote. The privacy event's own job ({@code self}) is not fenced by its own erasure.
     */
    public static Database.Fence fence(TenantId tenant, EventId self, Instant since) {
        return tx -> {
            // one round trip: the lock, then the look-up with a snapshot taken after it was granted (FENCE)
            boolean erased = tx.get(FENCE, tenant.value(), param(since), self.value())
                    .map(r -> bool(r, "erased")).orElse(false);
            return erased ? Optional.of("a privacy erasure of the tenant ran while this job ran: it runs again")
                    : Optional.empty();
        };
    }

    private static void lockOut(DbExecute tx, TenantId tenant) {
        tx.get(LOCK, tenant.value().toString());
    }

    /** A Gorgias internal note Tollgate posted: erasing it in Gorgias is the merchant's duty. */
    public record PostedNote(long ticketId, long messageId) {
    }

    /**
     * What one erasure erased.
     *
     * @param rows  rows erased per table (deleted, or tombstoned / cleared), the privacy event itself not counted
     * @param notes the Gorgias notes Tollgate had posted for the erased data
     */
    public record Erased(Map<String, Long> rows, List<PostedNote> notes) {
        public Erased {
            rows = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rows));
            notes = List.copyOf(notes);
        }

        public long total() {
            return rows.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** customers/redact of {@code customer}, asked by event {@code event} of {@code tenant}. */
    public Erased customer(ResolvedTenant tenant, EventId event, String topic, Customer customer) {
        UUID t = tenant.id().value();
        // who the customer is in the cache: their customer rows (Shopify and Gorgias), tickets and orders
        List<UUID> customerRows = new ArrayList<>();
        Set<Long> gorgiasCustomers = new HashSet<>();
        db.call(() -> {
            try (Stream<DbRow> rows = db.client().execute().query("""
                    SELECT id, gorgias_customer_id FROM customers
                     WHERE tenant_id = ? AND (lower(email) = ?::text OR shopify_customer_id = ?::bigint)""",
                    t, customer.email(), customer.id())) {
                rows.forEach(r -> {
                    customerRows.add(uuid(r, "id"));
                    optBigint(r, "gorgias_customer_id").ifPresent(gorgiasCustomers::add);
                });
            }
            return null;
        });
        Set<Long> orders = new HashSet<>(customer.orderIds());
        orders.addAll(longs("""
                SELECT shopify_order_id AS v FROM orders
                 WHERE tenant_id = ? AND (shopify_customer_id = ?::bigint OR lower(email) = ?::text
                       OR customer_id = ANY (string_to_array(?::text, ',')::uuid[]))""",
                            t, customer.id(), customer.email(), join(customerRows)));
        Set<Long> tickets = new HashSet<>(longs("""
                SELECT gorgias_ticket_id AS v FROM tickets
                 WHERE tenant_id = ? AND customer_id = ANY (string_to_array(?::text, ',')::uuid[])""",
                                                 t, join(customerRows)));
        // the stored bodies that concern the customer, and the tickets the Gorgias ones are about
        BodyMatcher matcher = new BodyMatcher(customer, orders, gorgiasCustomers);
        Set<UUID> events = new HashSet<>();
        Map<UUID, Set<Long>> ticketEvents = new LinkedHashMap<>();
        scan(t, (id, provider, eventTopic, body) -> {
            BodyMatcher.Found found = matcher.read(provider, eventTopic, body);
            if (found.concerns()) {
                events.add(id);
                tickets.addAll(found.ticketIds());
            } else if (!found.ticketIds().isEmpty()) {
                ticketEvents.put(id, found.ticketIds());
            }
        });
        // a Gorgias event that names no one but is about one of the customer's tickets (a message event)
        ticketEvents.forEach((id, named) -> {
            if (named.stream().anyMatch(tickets::contains)) {
                events.add(id);
            }
        });
        events.add(event.value());
        String ticketIds = tickets.stream().map(String::valueOf).collect(Collectors.joining(","));
        String orderIds = orders.stream().map(String::valueOf).collect(Collectors.joining(","));
        return db.inTransaction(tx -> {
            lockOut(tx, tenant.id());
            Map<String, Long> rows = new LinkedHashMap<>();
            rows.put("webhook_events", tombstone(tx, t, event, topic, "id = ANY (string_to_array(?::text, ',')::uuid[])",
                                                 join(events)));
            rows.put("jobs", tx.update("""
                    UPDATE jobs SET last_error = NULL, updated_at = now()
                     WHERE tenant_id = ? AND event_id = ANY (string_to_array(?::text, ',')::uuid[])
                       AND event_id <> ? AND last_error IS NOT NULL""", t, join(events), event.value()));
            String notesWhere = "gorgias_ticket_id = ANY (string_to_array(?::text, ',')::bigint[])";
            List<PostedNote> notes = posted(tx, t, notesWhere, ticketIds);
            rows.put("notes", scrubNotes(tx, t, notesWhere, ticketIds));
            rows.put("messages", tx.delete("""
                    DELETE FROM messages WHERE tenant_id = ?
                       AND (lower(sender_email) = ?::text
                            OR ticket_id IN (SELECT id FROM tickets WHERE tenant_id = ?
                                              AND gorgias_ticket_id = ANY (string_to_array(?::text, ',')::bigint[])))""",
                                           t, customer.email(), t, ticketIds));
            rows.put("tickets", tx.delete("""
                    DELETE FROM tickets WHERE tenant_id = ?
                       AND gorgias_ticket_id = ANY (string_to_array(?::text, ',')::bigint[])""", t, ticketIds));
            rows.put("orders", tx.delete("""
                    DELETE FROM orders WHERE tenant_id = ?
                       AND (shopify_order_id = ANY (string_to_array(?::text, ',')::bigint[])
                            OR shopify_customer_id = ?::bigint OR lower(email) = ?::text
                            OR customer_id = ANY (string_to_array(?::text, ',')::uuid[]))""",
                                         t, orderIds, customer.id(), customer.email(), join(customerRows)));
            rows.put("customers", tx.delete("""
                    DELETE FROM customers WHERE tenant_id = ?
                       AND (id = ANY (string_to_array(?::text, ',')::uuid[]) OR lower(email) = ?::text
                            OR shopify_customer_id = ?::bigint)""",
                                            t, join(customerRows), customer.email(), customer.id()));
            // an operator's data-request document about the customer holds the same data: it goes too, the request
            // (its state, when it came and was delivered) stays
            rows.put("data_requests", tx.update("""
                    UPDATE data_requests SET document = jsonb_build_object('erased_by_event', ?::text)
                     WHERE tenant_id = ? AND document->>'erased_by_event' IS NULL
                       AND (customer_id = ?::bigint
                            OR strpos(lower(document::text), lower(NULLIF(?::text, ''))) > 0)""",
                                                event.value().toString(), t, customer.id(), customer.email()));
            return record(tx, tenant, event, topic, new Erased(rows, notes));
        });
    }

    /** shop/redact: every customer's data of {@code tenant}; the tenant, its credentials and connections stay. */
    public Erased shop(ResolvedTenant tenant, EventId event, String topic) {
        UUID t = tenant.id().value();
        return db.inTransaction(tx -> {
            lockOut(tx, tenant.id());
            Map<String, Long> rows = new LinkedHashMap<>();
            rows.put("webhook_events", tombstone(tx, t, event, topic, "true"));
            rows.put("jobs", tx.update("""
                    UPDATE jobs SET last_error = NULL, updated_at = now()
                     WHERE tenant_id = ? AND last_error IS NOT NULL AND event_id <> ?""", t, event.value()));
            List<PostedNote> notes = posted(tx, t, "true");
            rows.put("notes", scrubNotes(tx, t, "true"));
            rows.put("messages", tx.delete("DELETE FROM messages WHERE tenant_id = ?", t));
            rows.put("tickets", tx.delete("DELETE FROM tickets WHERE tenant_id = ?", t));
            rows.put("orders", tx.delete("DELETE FROM orders WHERE tenant_id = ?", t));
            rows.put("customers", tx.delete("DELETE FROM customers WHERE tenant_id = ?", t));
            rows.put("data_requests", tx.update("""
                    UPDATE data_requests SET document = jsonb_build_object('erased_by_event', ?::text)
                     WHERE tenant_id = ? AND document->>'erased_by_event' IS NULL""", event.value().toString(), t));
            return record(tx, tenant, event, topic, new Erased(rows, notes));
        });
    }

    /**
     * Tombstones the tenant's not yet erased bodies matching {@code where} (with {@code params}); the events among
     * them still waiting are skipped and their jobs done. Returns how many were erased, the privacy event itself not
     * counted.
     */
    private static long tombstone(DbExecute tx, UUID tenant, EventId event, String topic, String where,
                                  Object... params) {
        String reason = "erased by " + topic + " (event " + event + ")";
        Object[] args = concat(new Object[] {topic, event.toString(), reason, tenant}, params);
        long erased = 0;
        try (Stream<DbRow> rows = tx.query("""
                UPDATE webhook_events SET body = %s,
                       error = CASE WHEN error IS NULL THEN NULL ELSE ?::text END
                 WHERE tenant_id = ? AND %s AND %s
                RETURNING id""".formatted(Tombstone.SQL, Tombstone.NOT_ERASED, where), args)) {
            erased = rows.filter(r -> !uuid(r, "id").equals(event.value())).count();
        }
        Object[] waiting = concat(new Object[] {reason, tenant, event.value()}, params);
        tx.update("""
                UPDATE webhook_events SET status = 'skipped', error = ?::text, processed_at = now()
                 WHERE tenant_id = ? AND id <> ? AND status IN ('accepted', 'dead', 'rejected')
                   AND %s AND NOT (%s)""".formatted(where, Tombstone.NOT_ERASED), waiting);
        // the closed events' jobs end: their rows go (jobs holds unfinished jobs only), their attempts stay on the event
        tx.update("""
                WITH j AS (
                  DELETE FROM jobs j USING webhook_events e
                   WHERE e.id = j.event_id AND e.tenant_id = ? AND j.tenant_id = ? AND e.status = 'skipped'
                     AND j.status IN ('queued', 'dead') AND e.id <> ? AND NOT (%s)
                  RETURNING j.event_id, j.attempts
                )
                UPDATE webhook_events e SET job_attempts = j.attempts, job_finished_at = now()
                  FROM j WHERE e.tenant_id = ? AND e.id = j.event_id"""
                          .formatted(Tombstone.NOT_ERASED.replace("body", "e.body")),
                  tenant, tenant, event.value(), tenant);
        return erased;
    }

    private static List<PostedNote> posted(DbExecute tx, UUID tenant, String where, Object... params) {
        try (Stream<DbRow> rows = tx.query("""
                SELECT gorgias_ticket_id, upstream_message_id FROM notes
                 WHERE tenant_id = ? AND state = 'posted' AND upstream_message_id IS NOT NULL AND %s
                 ORDER BY gorgias_ticket_id, upstream_message_id""".formatted(where),
                                           concat(new Object[] {tenant}, params))) {
            return rows.map(r -> new PostedNote(bigint(r, "gorgias_ticket_id"), bigint(r, "upstream_message_id")))
                    .toList();
        }
    }

    private static long scrubNotes(DbExecute tx, UUID tenant, String where, Object... params) {
        return tx.update("""
                UPDATE notes SET body_text = NULL, body_html = NULL, error = NULL, ticket_id = NULL, updated_at = now()
                 WHERE tenant_id = ? AND %s
                   AND (body_text IS NOT NULL OR body_html IS NOT NULL OR error IS NOT NULL OR ticket_id IS NOT NULL)"""
                                 .formatted(where), concat(new Object[] {tenant}, params));
    }

    /** Records the erasure (the first record of a privacy event stays) and audits it with its counts. */
    private static Erased record(DbExecute tx, ResolvedTenant tenant, EventId event, String topic, Erased erased) {
        ObjectNode rows = Json.MAPPER.createObjectNode();
        erased.rows().forEach(rows::put);
        ArrayNode notes = Json.MAPPER.createArrayNode();
        erased.notes().forEach(n -> notes.addObject().put("ticket_id", n.ticketId()).put("message_id", n.messageId()));
        tx.insert("""
                INSERT INTO privacy_erasures (id, tenant_id, event_id, topic, erased_rows, gorgias_notes, erased_at)
                VALUES (?, ?, ?, ?, ?::jsonb, ?::jsonb, clock_timestamp())
                ON CONFLICT (tenant_id, event_id) DO NOTHING""",
                  UUID.randomUUID(), tenant.id().value(), event.value(), topic, rows.toString(), notes.toString());
        ObjectNode detail = Json.MAPPER.createObjectNode();
        detail.set("rows", rows);
        detail.put("gorgias_notes", erased.notes().size());
        AuditLog.system(tx, "privacy." + topic.replace('/', '.'), tenant, event.toString(), detail.toString());
        return erased;
    }

    /** Reads every not yet erased body of the tenant, a page at a time. */
    private void scan(UUID tenant, BodyVisitor visitor) {
        UUID after = new UUID(0L, 0L); // the least uuid as PostgreSQL orders them (bytewise, unsigned)
        while (true) {
            UUID from = after;
            List<DbRow> page = db.call(() -> {
                try (Stream<DbRow> rows = db.client().execute().query("""
                        SELECT id, provider, topic, body FROM webhook_events
                         WHERE tenant_id = ? AND id > ? AND %s
                         ORDER BY id LIMIT ?""".formatted(Tombstone.NOT_ERASED), tenant, from, PAGE)) {
                    return rows.toList();
                }
            });
            for (DbRow r : page) {
                visitor.visit(uuid(r, "id"), Provider.fromWire(string(r, "provider")).orElseThrow(),
                              optString(r, "topic").orElse(null), bytes(r, "body"));
            }
            if (page.size() < PAGE) {
                return;
            }
            after = uuid(page.getLast(), "id");
        }
    }

    @FunctionalInterface
    private interface BodyVisitor {
        void visit(UUID id, Provider provider, String topic, byte[] body);
    }

    private List<Long> longs(String sql, Object... params) {
        return db.call(() -> {
            try (Stream<DbRow> rows = db.client().execute().query(sql, params)) {
                return rows.map(r -> bigint(r, "v")).toList();
            }
        });
    }

    private static String join(java.util.Collection<UUID> ids) {
        return ids.stream().map(UUID::toString).collect(Collectors.joining(","));
    }

    private static Object[] concat(Object[] a, Object[] b) {
        Object[] all = new Object[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
