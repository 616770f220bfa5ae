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
 * Which of a tenant's events a list, a count or a bulk action takes: optionally one provider, one topic, a window of
 * {@code received_at} ({@code received_after} inclusive, {@code received_before} exclusive), and a text the body
 * contains ({@code q}: a literal, case-insensitive substring, never a pattern). A bulk action (and its count) takes
 * only dead events ({@link #where(TenantId)}); a list any status ({@link #where(TenantId, Optional)}).
 */
public record EventFilter(Optional<Provider> provider, Optional<String> topic, Optional<Instant> receivedAfter,
                          Optional<Instant> receivedBefore, Optional<String> text) {
    public EventFilter {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(receivedAfter, "receivedAfter");
        Objects.requireNonNull(receivedBefore, "receivedBefore");
        Objects.requireNonNull(text, "text");
    }

    /** A filter without a text match. */
    public EventFilter(Optional<Provider> provider, Optional<String> topic, Optional<Instant> receivedAfter,
                       Optional<Instant> receivedBefore) {
        this(provider, topic, receivedAfter, receivedBefore, Optional.empty());
    }

    /** No filter: every event. */
    public static final EventFilter NONE = new EventFilter(Optional.empty(), Optional.empty(), Optional.empty(),
                                                           Optional.empty());

    /** The shortest and longest text match ({@code q}). */
    public static final int TEXT_MIN = 3;
    public static final int TEXT_MAX = 200;

    /** The status every filtered event of a bulk action has. */
    public static final EventStatus STATUS = EventStatus.DEAD;

    /** A count and the database time it was taken at (the {@code as_of} a bulk action names). */
    public record Count(long count, Instant asOf) {
    }

    /** An SQL condition over {@code webhook_events e} with its parameters, in order. */
    record Sql(String sql, List<Object> params) {
    }

    /**
     * The condition of a bulk action: the tenant first; the status a literal (never client text), so the planner can
     * use the partial index of dead and rejected events ({@code webhook_events_attention_ix}).
     */
    Sql where(TenantId tenant) {
        return where(tenant, Optional.of(STATUS), true);
    }

    /** The condition of a list: the tenant, the status when given (a literal, as above), the filter. */
    Sql where(TenantId tenant, Optional<EventStatus> status) {
        return where(tenant, status, true);
    }

    /**
     * @param withText whether the text match is part of the condition (a bounded scan applies it itself, see
     *                 {@link #textSql})
     */
    Sql where(TenantId tenant, Optional<EventStatus> status, boolean withText) {
        StringBuilder sql = new StringBuilder("e.tenant_id = ?");
        List<Object> params = new ArrayList<>();
        params.add(tenant.value());
        status.ifPresent(s -> sql.append(" AND e.status = ").append(s.sql()));
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
        if (withText) {
            text.ifPresent(q -> {
                sql.append(" AND ").append(textSql(q));
                params.add(q);
            });
        }
        return new Sql(sql.toString(), List.copyOf(params));
    }

    /**
     * The text match over {@code e}, one parameter (the text {@code q}): the body as text ({@code tollgate_body_text}:
     * UTF-8, or its escape encoding when it is not UTF-8) contains the text, both lower-cased. {@code strpos} compares
     * literally: no character of the text is a wildcard or a pattern, and its time is linear in the body.
     *
     * <p>An ASCII text (an order number, an e-mail address, most words searched for) is lower-cased under the "C"
     * collation, a plain byte loop over A-Z that leaves every other byte as it is: a body's letters outside ASCII do
     * not lower-case to the text's (but for a few compatibility letters such as the Kelvin sign), so the match is the
     * same at a third of the cost of the locale's lower() over a whole body (docs/benchmarks.md). Any other text is
     * lower-cased by the database's locale, body and text alike.
     */
    static String textSql(String q) {
        return ascii(q) ? "strpos(lower(tollgate_body_text(e.body) COLLATE \"C\"), lower(?::text COLLATE \"C\")) > 0"
                : "strpos(lower(tollgate_body_text(e.body)), lower(?::text)) > 0";
    }

    private static boolean ascii(String q) {
        for (int i = 0; i < q.length(); i++) {
            if (q.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** How the filter reads in an audit row (never the text searched for: it can be a customer's data). */
    String describe() {
        return provider.map(p -> " provider=" + p.wire()).orElse("")
                + topic.map(v -> " topic=" + v).orElse("")
                + receivedAfter.map(v -> " received_after=" + v).orElse("")
                + receivedBefore.map(v -> " received_before=" + v).orElse("")
                + text.map(v -> " q=(" + v.length() + " characters)").orElse("");
    }
}
