package io.tollgate.tenant.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Seeds a full graph of rows a tenant owns (events, jobs, customers, tickets, messages, orders, notes, draft budget)
 * and counts them per table, for cascade tests.
 */
public final class TenantGraph {
    /** Every table that holds tenant-owned rows, with how to find a tenant's rows in it. */
    public static final List<String> TENANT_TABLES = List.of(
            "gorgias_credentials", "shopify_credentials", "webhook_secrets", "webhook_events", "jobs", "customers",
            "tickets", "messages", "orders", "notes", "draft_budget");

    private TenantGraph() {
    }

    public static void seed(Connection c, UUID tenantId) throws SQLException {
        UUID event = UUID.randomUUID();
        UUID customer = UUID.randomUUID();
        UUID ticket = UUID.randomUUID();
        long base = Math.abs(tenantId.getLeastSignificantBits() % 1_000_000_000L);
        exec(c, "INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body,"
                     + " status) VALUES (?, ?, 'gorgias', 'ticket-created', ?, sha256('{}'::bytea), '{}'::bytea,"
                     + " 'accepted')", event, tenantId, "delivery-" + event);
        exec(c, "INSERT INTO jobs (id, tenant_id, event_id) VALUES (?, ?, ?)", UUID.randomUUID(), tenantId, event);
        exec(c, "INSERT INTO customers (id, tenant_id, gorgias_customer_id, email) VALUES (?, ?, ?, ?)",
             customer, tenantId, base + 1, "bob@example.com");
        exec(c, "INSERT INTO tickets (id, tenant_id, customer_id, gorgias_ticket_id, subject) VALUES (?, ?, ?, ?, ?)",
             ticket, tenantId, customer, base + 2, "Where is my order?");
        exec(c, "INSERT INTO messages (id, tenant_id, ticket_id, gorgias_message_id, body_text) VALUES (?, ?, ?, ?, ?)",
             UUID.randomUUID(), tenantId, ticket, base + 3, "Hi, where is #1001?");
        exec(c, "INSERT INTO messages (id, tenant_id, ticket_id, gorgias_message_id, body_text) VALUES (?, ?, ?, ?, ?)",
             UUID.randomUUID(), tenantId, ticket, base + 4, "Any news?");
        exec(c, "INSERT INTO orders (id, tenant_id, customer_id, shopify_order_id, name, email, upstream_updated_at)"
                     + " VALUES (?, ?, ?, ?, '#1001', 'bob@example.com', now())",
             UUID.randomUUID(), tenantId, customer, 450789469L + base);
        exec(c, "INSERT INTO notes (id, tenant_id, event_id, ticket_id, gorgias_ticket_id, answered_message_id,"
                     + " external_id) VALUES (?, ?, ?, ?, ?, ?, ?)", UUID.randomUUID(), tenantId, event, ticket,
             base + 2, base + 3, "tollgate:" + event);
        exec(c, "INSERT INTO draft_budget (tenant_id, day, used) VALUES (?, current_date, 3)", tenantId);
    }

    /** Rows per tenant-owned table for one tenant (every table is counted by its tenant_id). */
    public static Map<String, Long> count(Connection c, UUID tenantId) throws SQLException {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String table : TENANT_TABLES) {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + table + " WHERE tenant_id = ?")) {
                ps.setObject(1, tenantId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    counts.put(table, rs.getLong(1));
                }
            }
        }
        return counts;
    }

    /** Total rows in a table, whoever owns them. */
    public static long total(Connection c, String table) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void exec(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.executeUpdate();
        }
    }
}
