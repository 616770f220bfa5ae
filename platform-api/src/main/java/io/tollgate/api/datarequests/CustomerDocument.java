package io.tollgate.api.datarequests;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.dbclient.DbTransaction;
import io.tollgate.api.http.Json;
import io.tollgate.tenant.EventId;
import io.tollgate.tenant.TenantId;

import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;

import static io.tollgate.tenant.db.Rows.string;

/**
 * Everything Tollgate holds on one customer of one tenant, as one JSON object, read in the caller's transaction:
 * <ul>
 *   <li>{@code request}: whom Shopify's request names (its id, the customer's id, e-mail and phone, the orders);</li>
 *   <li>{@code customers}: the customer rows (Shopify's, by id or e-mail; Gorgias', by e-mail);</li>
 *   <li>{@code orders}: cached orders (by the customer's id, the e-mail they were placed with, a listed order id, or a
 *       matched customer row), with the order facts Tollgate keeps;</li>
 *   <li>{@code tickets}: the Gorgias tickets of the matched customer rows, each with all its stored messages;</li>
 *   <li>{@code notes}: the internal notes Tollgate drafted for those tickets: text, Gorgias' id of the posted message,
 *       when it was posted;</li>
 *   <li>{@code events}: the metadata of the stored events that concern the customer (the request itself, the events
 *       that reserved those notes, and any whose raw body holds the customer's e-mail as Shopify's request spells
 *       it): id, provider, topic, received and processed times, status. Never the bodies: they are the raw copies
 *       of what is above.</li>
 * </ul>
 * The phone is not matched: Tollgate keeps no phone column, and a phone found in a raw body may be another
 * customer's (a shared number), which would put that customer's events into this document.
 * Shopify and Gorgias ids are strings (they exceed 2^53). Nothing of another customer is read: every table is
 * matched by this customer's own keys.
 */
final class CustomerDocument {
    private static final String SQL = """
            WITH p AS (
              SELECT ?::uuid AS tenant, ?::bigint AS cid, lower(?::text) AS email, ?::bigint[] AS orders,
                     ?::uuid AS event, ?::bytea AS email_bytes),
            cust AS (
              SELECT c.* FROM customers c, p
               WHERE c.tenant_id = p.tenant
                 AND ((p.cid IS NOT NULL AND c.shopify_customer_id = p.cid)
                      OR (p.email IS NOT NULL AND lower(c.email) = p.email))),
            ord AS (
              SELECT o.* FROM orders o, p
               WHERE o.tenant_id = p.tenant
                 AND ((p.cid IS NOT NULL AND o.shopify_customer_id = p.cid)
                      OR (p.email IS NOT NULL AND lower(o.email) = p.email)
                      OR o.shopify_order_id = ANY (p.orders)
                      OR o.customer_id IN (SELECT id FROM cust))),
            tick AS (
              SELECT t.* FROM tickets t, p
               WHERE t.tenant_id = p.tenant AND t.customer_id IN (SELECT id FROM cust)),
            note AS (
              SELECT n.* FROM notes n, p
               WHERE n.tenant_id = p.tenant
                 AND (n.ticket_id IN (SELECT id FROM tick)
                      OR n.gorgias_ticket_id IN (SELECT gorgias_ticket_id FROM tick))),
            ev AS (
              SELECT e.id, e.provider, e.topic, e.received_at, e.status, e.processed_at FROM webhook_events e, p
               WHERE e.tenant_id = p.tenant
                 AND (e.id = p.event
                      OR e.id IN (SELECT event_id FROM note WHERE event_id IS NOT NULL)
                      OR (p.email_bytes IS NOT NULL AND position(p.email_bytes IN e.body) > 0)))
            SELECT jsonb_build_object(
              'customers', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                    'gorgias_customer_id', c.gorgias_customer_id::text,
                    'shopify_customer_id', c.shopify_customer_id::text,
                    'email', c.email, 'first_name', c.first_name, 'last_name', c.last_name, 'name', c.name,
                    'created_at', c.created_at, 'updated_at', c.updated_at)
                    ORDER BY c.created_at, c.id), '[]'::jsonb) FROM cust c),
              'orders', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                    'shopify_order_id', o.shopify_order_id::text,
                    'shopify_customer_id', o.shopify_customer_id::text,
                    'name', o.name, 'order_number', o.order_number, 'email', o.email,
                    'financial_status', o.financial_status, 'fulfillment_status', o.fulfillment_status,
                    'created_at', o.upstream_created_at, 'updated_at', o.upstream_updated_at,
                    'cached_at', o.cached_at, 'facts', o.data)
                    ORDER BY o.upstream_created_at NULLS FIRST, o.shopify_order_id), '[]'::jsonb) FROM ord o),
              'tickets', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                    'gorgias_ticket_id', t.gorgias_ticket_id::text, 'subject', t.subject, 'channel', t.channel,
                    'status', t.status, 'created_at', t.created_at, 'updated_at', t.updated_at,
                    'messages', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                          'gorgias_message_id', m.gorgias_message_id::text, 'channel', m.channel,
                          'from_agent', m.from_agent, 'sender_email', m.sender_email,
                          'body_text', m.body_text, 'body_html', m.body_html,
                          'posted_by_tollgate', m.posted_by_tollgate, 'sent_at', m.sent_at)
                          ORDER BY m.sent_at NULLS FIRST, m.gorgias_message_id), '[]'::jsonb)
                       FROM messages m WHERE m.tenant_id = t.tenant_id AND m.ticket_id = t.id))
                    ORDER BY t.created_at, t.gorgias_ticket_id), '[]'::jsonb) FROM tick t),
              'notes', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                    'gorgias_ticket_id', n.gorgias_ticket_id::text,
                    'gorgias_message_id', n.upstream_message_id::text,
                    'state', n.state, 'body_text', n.body_text, 'body_html', n.body_html,
                    'created_at', n.created_at, 'posted_at', n.posted_at)
                    ORDER BY n.created_at, n.id), '[]'::jsonb) FROM note n),
              'events', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                    'id', e.id, 'provider', e.provider, 'topic', e.topic, 'status', e.status,
                    'received_at', e.received_at, 'processed_at', e.processed_at)
                    ORDER BY e.received_at, e.id), '[]'::jsonb) FROM ev e))::text AS document""";

    private CustomerDocument() {
    }

    /** The document on {@code subject} of {@code tenant}, for the request stored as {@code event}. */
    static ObjectNode assemble(DbTransaction tx, TenantId tenant, EventId event, Subject subject) {
        String sections = tx.get(SQL, tenant.value(), subject.customerId().orElse(null),
                                 subject.email().orElse(null), bigintArray(subject), event.value(),
                                 needle(subject.email().orElse(null)))
                .map(r -> string(r, "document")).orElseThrow();
        ObjectNode doc = Json.MAPPER.createObjectNode();
        ObjectNode request = doc.putObject("request");
        subject.shopifyRequestId().ifPresent(id -> request.put("shopify_data_request_id", id.toString()));
        ObjectNode customer = request.putObject("customer");
        subject.customerId().ifPresent(id -> customer.put("id", id.toString()));
        subject.email().ifPresent(e -> customer.put("email", e));
        subject.phone().ifPresent(p -> customer.put("phone", p));
        ArrayNode orders = request.putArray("orders_requested");
        subject.ordersRequested().forEach(o -> orders.add(o.toString()));
        try {
            doc.setAll((ObjectNode) Json.MAPPER.readTree(sections));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("PostgreSQL returned a document that is not JSON", e);
        }
        return doc;
    }

    private static String bigintArray(Subject subject) {
        return subject.ordersRequested().stream().map(String::valueOf).collect(Collectors.joining(",", "{", "}"));
    }

    private static byte[] needle(String text) {
        return text == null || text.isBlank() ? null : text.getBytes(StandardCharsets.UTF_8);
    }
}
