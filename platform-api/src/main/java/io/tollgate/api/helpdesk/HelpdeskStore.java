package io.tollgate.api.helpdesk;

import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.db.Database;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import static io.tollgate.tenant.db.Rows.bool;
import static io.tollgate.tenant.db.Rows.param;
import static io.tollgate.tenant.db.Rows.uuid;

/**
 * The Gorgias side of a tenant's data (customers, tickets, messages), written from {@link TicketEvent}s. Every
 * statement is scoped by the tenant id first; Gorgias ids are 64-bit and unique only within a tenant.
 *
 * <p>{@link #save} upserts in one transaction and is idempotent: a row is only rewritten when a value actually
 * changes, and a field the event leaves out (null) never erases what is stored, so a message event without ticket
 * details does not blank the ticket's subject or customer.
 */
public final class HelpdeskStore {

    private static final String UPSERT_CUSTOMER = """
            WITH up AS (
              INSERT INTO customers AS c (id, tenant_id, gorgias_customer_id, email, first_name, last_name, name)
              VALUES (?, ?, ?::bigint, ?::text, ?::text, ?::text, ?::text)
              ON CONFLICT (tenant_id, gorgias_customer_id) WHERE gorgias_customer_id IS NOT NULL DO UPDATE SET
                email = COALESCE(EXCLUDED.email, c.email),
                first_name = COALESCE(EXCLUDED.first_name, c.first_name),
                last_name = COALESCE(EXCLUDED.last_name, c.last_name),
                name = COALESCE(EXCLUDED.name, c.name),
                updated_at = now()
              WHERE (c.email, c.first_name, c.last_name, c.name) IS DISTINCT FROM
                    (COALESCE(EXCLUDED.email, c.email), COALESCE(EXCLUDED.first_name, c.first_name),
                     COALESCE(EXCLUDED.last_name, c.last_name), COALESCE(EXCLUDED.name, c.name))
              RETURNING c.id
            )
            SELECT id, true AS changed FROM up
            UNION ALL
            SELECT id, false FROM customers
             WHERE tenant_id = ? AND gorgias_customer_id = ?::bigint AND NOT EXISTS (SELECT 1 FROM up)""";

    private static final String UPSERT_TICKET = """
            WITH up AS (
              INSERT INTO tickets AS t (id, tenant_id, customer_id, gorgias_ticket_id, subject, channel, status)
              VALUES (?, ?, ?::uuid, ?::bigint, ?::text, ?::text, ?::text)
              ON CONFLICT (tenant_id, gorgias_ticket_id) DO UPDATE SET
                customer_id = COALESCE(EXCLUDED.customer_id, t.customer_id),
                subject = COALESCE(EXCLUDED.subject, t.subject),
                channel = COALESCE(EXCLUDED.channel, t.channel),
                status = COALESCE(EXCLUDED.status, t.status),
                updated_at = now()
              WHERE (t.customer_id, t.subject, t.channel, t.status) IS DISTINCT FROM
                    (COALESCE(EXCLUDED.customer_id, t.customer_id), COALESCE(EXCLUDED.subject, t.subject),
                     COALESCE(EXCLUDED.channel, t.channel), COALESCE(EXCLUDED.status, t.status))
              RETURNING t.id
            )
            SELECT id, true AS changed FROM up
            UNION ALL
            SELECT id, false FROM tickets
             WHERE tenant_id = ? AND gorgias_ticket_id = ?::bigint AND NOT EXISTS (SELECT 1 FROM up)""";

    private static final String UPSERT_MESSAGE = """
            WITH up AS (
              INSERT INTO messages AS m (id, tenant_id, ticket_id, gorgias_message_id, channel, from_agent,
                                         sender_email, body_text, body_html, external_id, posted_by_tollgate,
                                         sent_at)
              VALUES (?, ?, ?, ?::bigint, ?::text, COALESCE(?::boolean, false), ?::text, ?::text, ?::text, ?::text,
                      ?::boolean, ?::timestamptz)
              ON CONFLICT (tenant_id, gorgias_message_id) DO UPDATE SET
                ticket_id = EXCLUDED.ticket_id,
                channel = COALESCE(EXCLUDED.channel, m.channel),
                from_agent = EXCLUDED.from_agent OR m.from_agent,
                sender_email = COALESCE(EXCLUDED.sender_email, m.sender_email),
                body_text = COALESCE(EXCLUDED.body_text, m.body_text),
                body_html = COALESCE(EXCLUDED.body_html, m.body_html),
                external_id = COALESCE(EXCLUDED.external_id, m.external_id),
                posted_by_tollgate = EXCLUDED.posted_by_tollgate OR m.posted_by_tollgate,
                sent_at = COALESCE(EXCLUDED.sent_at, m.sent_at)
              WHERE (m.ticket_id, m.channel, m.from_agent, m.sender_email, m.body_text, m.body_html, m.external_id,
                     m.posted_by_tollgate, m.sent_at) IS DISTINCT FROM
                    (EXCLUDED.ticket_id, COALESCE(EXCLUDED.channel, m.channel), EXCLUDED.from_agent OR m.from_agent,
                     COALESCE(EXCLUDED.sender_email, m.sender_email), COALESCE(EXCLUDED.body_text, m.body_text),
                     COALESCE(EXCLUDED.body_html, m.body_html), COALESCE(EXCLUDED.external_id, m.external_id),
                     EXCLUDED.posted_by_tollgate OR m.posted_by_tollgate, COALESCE(EXCLUDED.sent_at, m.sent_at))
              RETURNING m.id
            )
            SELECT id, true AS changed FROM up
            UNION ALL
            SELECT id, false FROM messages
             WHERE tenant_id = ? AND gorgias_message_id = ?::bigint AND NOT EXISTS (SELECT 1 FROM up)""";

    private final Database db;

    public HelpdeskStore(Database db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    /**
     * What {@link #save} stored.
     *
     * @param customerId the customer's row id; empty when the event names no customer with a Gorgias id
     * @param ticketId   the ticket's row id; empty when the event has no ticket id (then no message is stored)
     * @param messageIds row id per Gorgias message id, in event order
     * @param changed    how many rows were inserted or changed (0 when the same event is saved again)
     */
    public record Saved(Optional<UUID> customerId, Optional<UUID> ticketId, Map<Long, UUID> messageIds,
                        int changed) {
        public Saved {
            messageIds = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(messageIds));
        }
    }

    /** Upserts the event's customer, ticket (linked to the customer) and messages for {@code tenant}, atomically. */
    public Saved save(TenantId tenant, TicketEvent event) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(event, "event");
        return db.inTransaction(tx -> save(tx, tenant, event));
    }

    /** {@link #save(TenantId, TicketEvent)} within the caller's transaction {@code tx}. */
    Saved save(DbExecute tx, TenantId tenant, TicketEvent event) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(event, "event");
        UUID t = tenant.value();
        {
            int changed = 0;
            UUID customerId = null;
            TicketEvent.Customer c = event.customer();
            if (c != null && c.id() != null) {
                DbRow row = one(tx, UPSERT_CUSTOMER, "customer", UUID.randomUUID(), t, c.id(), c.email(),
                                c.firstname(), c.lastname(), c.name(), t, c.id());
                customerId = uuid(row, "id");
                changed += bool(row, "changed") ? 1 : 0;
            }
            if (event.ticketId() == null) {
                return new Saved(Optional.ofNullable(customerId), Optional.empty(), Map.of(), changed);
            }
            DbRow ticketRow = one(tx, UPSERT_TICKET, "ticket", UUID.randomUUID(), t, customerId, event.ticketId(),
                                  event.subject(), event.channel(), event.status(), t, event.ticketId());
            UUID ticketId = uuid(ticketRow, "id");
            changed += bool(ticketRow, "changed") ? 1 : 0;
            Map<Long, UUID> messageIds = new LinkedHashMap<>();
            for (TicketEvent.Message m : event.messages()) {
                DbRow row = one(tx, UPSERT_MESSAGE, "message", UUID.randomUUID(), t, ticketId, m.id(), m.channel(),
                                m.fromAgent(), m.senderEmail(), m.bodyText(), m.bodyHtml(), m.externalId(),
                                m.postedByTollgate(), param(m.createdAt()), t, m.id());
                messageIds.put(m.id(), uuid(row, "id"));
                changed += bool(row, "changed") ? 1 : 0;
            }
            return new Saved(Optional.ofNullable(customerId), Optional.of(ticketId), messageIds, changed);
        }
    }

    /**
     * The upsert's row. The statement finds an unchanged row in its own snapshot; a row another transaction
     * committed after that snapshot (a concurrent first insert, which this upsert then left unchanged) is not in it,
     * so it is not an error to find nothing: the same statement is run again with a fresh snapshot.
     */
    private static DbRow one(DbExecute tx, String sql, String what, Object... params) {
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<DbRow> row = tx.get(sql, params);
            if (row.isPresent()) {
                return row.get();
            }
        }
        throw new IllegalStateException("the " + what + " upsert returned no row");
    }
}
