package io.tollgate.api.events;

import io.tollgate.tenant.Provider;
import io.tollgate.tenant.TenantId;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import static io.tollgate.tenant.db.Rows.param;

/**
 * Which of a tenant's dead events a bulk action (or its count) takes: optionally one provider, one topic, and a
 * window of {@code received_at} ({@code received_after} inclusive, {@code received_before} exclusive). Only dead
 * events: what an operator replays or discards in bulk.
 */
public record EventFilter(Optional<Provider> provider, Optional<String> topic, Optional<Instant> receivedAfter,
                          Optional<Instant> receivedBefore) {
    public EventFilter {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(receivedAfter, "receivedAfter");
        Objects.requireNonNull(receivedBefore, "receivedBefore");
    }

    /** The status every filtered event has. */
    public static final EventStatus STATUS = EventStatus.DEAD;

    /** A count and the database time it was taken at (the {@code as_of} a bulk action names). */
    public record Count(long count, Instant asOf) {
    }

    /** An SQL condition over {@code webhook_events e} with its parameters, in order. */
    record Sql(String sql, List<Object> params) {
    }

    /**
     * The condition: the tenant first; the status a literal (never client text), so the planner can use the
     * partial index of dead and rejected events ({@code webhook_events_attention_ix}).
     */
    Sql where(TenantId tenant) {
        StringBuilder sql = new StringBuilder("e.tenant_id = ? AND e.status = ").append(STATUS.sql());
        List<Object> params = new ArrayList<>();
        params.add(tenant.value());
        provider.ifPresent(p -> {
            sql.append(" AND e.provider = ?");
            params.add(p.wire());
        });
        topic.ifPresent(t -> {
            sql.append(" AND e.topic = ?");
            params.add(t);
        });
        receivedAfter.ifPresent(t -> {
            sql.append(" AND e.received_at >= ?");
            params.add(param(t));
        });
        receivedBefore.ifPresent(t -> {
            sql.append(" AND e.received_at < ?");
            params.add(param(t));
        });
        return new Sql(sql.toString(), List.copyOf(params));
    }
}
