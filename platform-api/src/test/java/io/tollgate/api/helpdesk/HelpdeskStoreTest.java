package io.tollgate.api.helpdesk;

import io.tollgate.api.StoreDatabase;
import io.tollgate.tenant.TenantId;


import io.tollgate.tenant.db.DataException;


import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static io.tollgate.api.helpdesk.GorgiasBodies.CUSTOMER;
import static io.tollgate.api.helpdesk.GorgiasBodies.FIRST;
import static io.tollgate.api.helpdesk.GorgiasBodies.SECOND;
import static io.tollgate.api.helpdesk.GorgiasBodies.TICKET;
import static io.tollgate.api.helpdesk.GorgiasBodies.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Upserting customers, tickets and messages on the real PostgreSQL: idempotent, atomic, tenant-scoped. */
class HelpdeskStoreTest {
    @RegisterExtension
    static final StoreDatabase DB = new StoreDatabase("helpdesk", "messages", "tickets", "customers");

    private final HelpdeskStore store = new HelpdeskStore(DB.db());
    private final TenantId a = DB.a();
    private final TenantId b = DB.b();

    /** Every helpdesk row of a tenant with its row version (xmin), so a rewrite of an unchanged row shows. */
    private static List<String> snapshot(TenantId tenant) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = DB.connect()) {
            for (String sql : List.of(
                    "SELECT 'customer', id, xmin::text, gorgias_customer_id, email, first_name, last_name, name,"
                            + " updated_at FROM customers WHERE tenant_id = ? ORDER BY id",
                    "SELECT 'ticket', id, xmin::text, gorgias_ticket_id, customer_id, subject, channel, status,"
                            + " updated_at FROM tickets WHERE tenant_id = ? ORDER BY id",
                    "SELECT 'message', id, xmin::text, gorgias_message_id, ticket_id, channel, from_agent,"
                            + " sender_email, body_text, body_html, external_id, posted_by_tollgate, sent_at"
                            + " FROM messages WHERE tenant_id = ? ORDER BY gorgias_message_id")) {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setObject(1, tenant.value());
                    try (ResultSet rs = ps.executeQuery()) {
                        int n = rs.getMetaData().getColumnCount();
                        while (rs.next()) {
                            StringBuilder row = new StringBuilder();
                            for (int i = 1; i <= n; i++) {
                                row.append(i == 1 ? "" : "|").append(rs.getString(i));
                            }
                            rows.add(row.toString());
                        }
                    }
                }
            }
        }
        return rows;
    }

    private static String one(String sql, Object... params) throws SQLException {
        try (Connection c = DB.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as(sql).isTrue();
                String v = rs.getString(1);
                assertThat(rs.next()).as(sql + " (one row)").isFalse();
                return v;
            }
        }
    }

    @Test
    void storesTheCustomerTheTicketAndItsMessagesLinkedWith64BitIds() throws SQLException {
        HelpdeskStore.Saved saved = store.save(a, TicketEvents.parse(GorgiasBodies.ticketCreated()));

        assertThat(saved.changed()).isEqualTo(3);
        UUID customer = saved.customerId().orElseThrow();
        UUID ticket = saved.ticketId().orElseThrow();
        assertThat(saved.messageIds()).containsOnlyKeys(FIRST);
        assertThat(one("SELECT gorgias_customer_id || '|' || email || '|' || first_name || '|' || last_name || '|'"
                               + " || name FROM customers WHERE tenant_id = ? AND id = ?", a.value(), customer))
                .isEqualTo(CUSTOMER + "|bob@example.com|Bob|Norman|Bob Norman");
        assertThat(one("SELECT gorgias_ticket_id || '|' || customer_id || '|' || subject || '|' || channel || '|'"
                               + " || status FROM tickets WHERE tenant_id = ? AND id = ?", a.value(), ticket))
                .isEqualTo(TICKET + "|" + customer + "|Where is my order #1001?|email|open");
        assertThat(one("SELECT gorgias_message_id || '|' || ticket_id || '|' || channel || '|' || from_agent || '|'"
                               + " || sender_email || '|' || body_text || '|' || posted_by_tollgate || '|'"
                               + " || (sent_at = '2024-01-15T10:30:00.123Z'::timestamptz)"
                               + " FROM messages WHERE tenant_id = ? AND id = ?",
                       a.value(), saved.messageIds().get(FIRST)))
                .isEqualTo(FIRST + "|" + ticket + "|email|false|Bob@Example.com|Hi, where is my order #1001?"
                                   + "|false|true");
    }

    @Test
    void theSameEventTwiceChangesNothing() throws SQLException {
        TicketEvent event = TicketEvents.parse(GorgiasBodies.ticketCreated());
        HelpdeskStore.Saved first = store.save(a, event);
        List<String> before = snapshot(a);

        HelpdeskStore.Saved again = store.save(a, event);

        assertThat(again.changed()).isZero();
        assertThat(again.customerId()).isEqualTo(first.customerId());
        assertThat(again.ticketId()).isEqualTo(first.ticketId());
        assertThat(again.messageIds()).isEqualTo(first.messageIds());
        assertThat(snapshot(a)).as("no row rewritten (same xmin, same updated_at)").isEqualTo(before).hasSize(3);
    }

    @Test
    void theSameGorgiasIdsUnderAnotherTenantAreSeparateRows() throws SQLException {
        TicketEvent event = TicketEvents.parse(GorgiasBodies.ticketCreated());
        HelpdeskStore.Saved inA = store.save(a, event);
        List<String> aBefore = snapshot(a);

        HelpdeskStore.Saved inB = store.save(b, event);

        assertThat(inB.changed()).as("new rows for tenant b").isEqualTo(3);
        assertThat(inB.customerId()).isNotEqualTo(inA.customerId());
        assertThat(inB.ticketId()).isNotEqualTo(inA.ticketId());
        assertThat(inB.messageIds().get(FIRST)).isNotEqualTo(inA.messageIds().get(FIRST));
        assertThat(snapshot(a)).as("tenant a untouched").isEqualTo(aBefore);
        assertThat(one("SELECT customer_id FROM tickets WHERE tenant_id = ? AND gorgias_ticket_id = ?", b.value(),
                       TICKET)).as("b's ticket links b's customer").isEqualTo(inB.customerId().orElseThrow().toString());
        assertThat(one("SELECT count(*) FROM messages WHERE gorgias_message_id = ?", FIRST)).isEqualTo("2");

        // a change in b stays in b
        store.save(b, TicketEvents.parse(utf8(GorgiasBodies.ticketObject().replace("Where is my order #1001?",
                                                                                   "Changed subject"))));
        assertThat(one("SELECT subject FROM tickets WHERE tenant_id = ? AND gorgias_ticket_id = ?", b.value(), TICKET))
                .isEqualTo("Changed subject");
        assertThat(snapshot(a)).isEqualTo(aBefore);
    }

    @Test
    void aMessageEventAddsItsMessageWithoutErasingTheTicketAndMarksTollgatesNotes() throws SQLException {
        HelpdeskStore.Saved created = store.save(a, TicketEvents.parse(GorgiasBodies.ticketCreated()));

        HelpdeskStore.Saved second = store.save(a, TicketEvents.parse(utf8("""
                {"message": {"id": %d, "ticket_id": %d, "channel": "email", "from_agent": false,
                             "sender": {"email": "bob@example.com"}, "body_text": "Any news?"}}"""
                .formatted(SECOND, TICKET))));
        HelpdeskStore.Saved ours = store.save(a, TicketEvents.parse(utf8("""
                {"message": {"id": 77, "ticket_id": "%d", "channel": "internal-note", "from_agent": true,
                             "external_id": "tollgate:8b1f6a2e-4a8e-4c53-9f0e-2c1d3e4f5a6b", "body_text": "Draft"}}"""
                .formatted(TICKET))));

        assertThat(second.customerId()).isEmpty();
        assertThat(second.ticketId()).isEqualTo(created.ticketId());
        assertThat(second.changed()).as("only the new message").isEqualTo(1);
        assertThat(ours.changed()).isEqualTo(1);
        assertThat(one("SELECT subject || '|' || customer_id FROM tickets WHERE tenant_id = ? AND id = ?", a.value(),
                       created.ticketId().orElseThrow()))
                .isEqualTo("Where is my order #1001?|" + created.customerId().orElseThrow());
        assertThat(one("SELECT string_agg(gorgias_message_id || ':' || posted_by_tollgate, ',' ORDER BY"
                               + " gorgias_message_id) FROM messages WHERE tenant_id = ?", a.value()))
                .isEqualTo("77:true," + FIRST + ":false," + SECOND + ":false");

        // the ticket event re-sent with fewer details keeps what is stored
        HelpdeskStore.Saved resent = store.save(a, TicketEvents.parse(utf8("""
                {"ticket": {"id": %d, "subject": null, "customer": {"id": %d},
                 "messages": [{"id": %d, "body_text": null}]}}""".formatted(TICKET, CUSTOMER, FIRST))));
        assertThat(resent.changed()).isZero();
        assertThat(one("SELECT body_text FROM messages WHERE tenant_id = ? AND gorgias_message_id = ?", a.value(),
                       FIRST)).isEqualTo("Hi, where is my order #1001?");
    }

    @Test
    void anEventWithoutATicketIdStoresNoTicket() throws SQLException {
        HelpdeskStore.Saved saved = store.save(a, TicketEvents.parse(utf8(
                "{\"message\": {\"id\": 3, \"body_text\": \"orphan\"}}")));

        assertThat(saved.ticketId()).isEmpty();
        assertThat(saved.messageIds()).isEmpty();
        assertThat(snapshot(a)).isEmpty();
    }

    @Test
    void aFailureStoresNothingOfTheEvent() throws SQLException {
        // PostgreSQL refuses NUL in text: the last message fails after the customer and ticket were written
        TicketEvent event = TicketEvents.parse(utf8("""
                {"ticket": {"id": 31, "subject": "Hi", "customer": {"id": 32, "email": "c@example.com"},
                 "messages": [{"id": 33, "body_text": "fine"}, {"id": 34, "body_text": "bad \\u0000 text"}]}}"""));

        assertThatThrownBy(() -> store.save(b, event)).isInstanceOf(DataException.class);

        assertThat(snapshot(b)).as("one transaction: nothing stayed").isEmpty();
    }
}
