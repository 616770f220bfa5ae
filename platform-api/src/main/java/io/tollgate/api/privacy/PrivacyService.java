package io.tollgate.api.privacy;

import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.api.access.AdminRoutes;
import io.tollgate.api.access.Scope;
import io.tollgate.api.access.TenantLookup;
import io.tollgate.api.http.Page;
import io.tollgate.api.http.Responses;
import io.tollgate.api.http.RouteTable;
import io.tollgate.api.input.Cursor;
import io.tollgate.api.input.Queries;
import io.tollgate.tenant.ResolvedTenant;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code GET /admin/tenants/{slug}/privacy}: the tenant's privacy erasures, newest first (paged like the events list):
 * when, which topic, the event that asked, the rows erased per table and the Gorgias notes Tollgate had posted for the
 * erased customers (erasing those in Gorgias is the merchant's duty). No personal data: the records hold none.
 */
public final class PrivacyService implements HttpService {
    private final ErasureRecords records;
    private final RouteTable routes;
    private final TenantLookup tenants;

    public PrivacyService(ErasureRecords records, RouteTable routes, TenantLookup tenants) {
        this.records = records;
        this.routes = routes;
        this.tenants = tenants;
    }

    @Override
    public void routing(HttpRules rules) {
        AdminRoutes.on(routes, rules).add(Method.GET, "/tenants/{slug}/privacy", Scope.READ, tenants.of(this::list));
    }

    /** One erasure on the wire. */
    public record ErasureOut(UUID id, Instant erasedAt, String topic, UUID eventId, Map<String, Long> rows,
                             long totalRows, List<NoteOut> gorgiasNotes) {
        static ErasureOut of(ErasureRecords.Entry e) {
            return new ErasureOut(e.id(), e.erasedAt(), e.topic(), e.eventId(), e.rows(),
                                  e.rows().values().stream().mapToLong(Long::longValue).sum(),
                                  e.notes().stream().map(n -> new NoteOut(n.ticketId(), n.messageId())).toList());
        }
    }

    /** A Gorgias internal note Tollgate posted: its ticket and message ids. */
    public record NoteOut(long ticketId, long messageId) {
    }

    private void list(ServerRequest req, ServerResponse res, ResolvedTenant t) {
        int limit = Queries.limit(req);
        Optional<Map.Entry<Instant, UUID>> after = Cursor.decode(Queries.string(req, "cursor"), 2)
                .map(p -> Map.entry(Cursor.instant(p.get(0)), Cursor.uuid(p.get(1))));
        List<ErasureRecords.Entry> page = records.list(t.id(), limit + 1, after);
        List<ErasureOut> items = page.subList(0, Math.min(limit, page.size())).stream().map(ErasureOut::of).toList();
        String next = page.size() > limit
                ? Cursor.encode(page.get(limit - 1).erasedAt().toString(), page.get(limit - 1).id().toString())
                : null;
        Responses.json(res, Status.OK_200, new Page<>(items, next));
    }
}
