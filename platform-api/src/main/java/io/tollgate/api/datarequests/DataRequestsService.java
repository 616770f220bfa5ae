package io.tollgate.api.datarequests;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.api.access.AdminRoutes;
import io.tollgate.api.access.AuditLog;
import io.tollgate.api.access.Operator;
import io.tollgate.api.access.Scope;
import io.tollgate.api.access.TenantLookup;
import io.tollgate.api.http.ApiException;
import io.tollgate.api.http.Page;
import io.tollgate.api.http.Problem.FieldError;
import io.tollgate.api.http.Responses;
import io.tollgate.api.http.RouteTable;
import io.tollgate.api.input.Cursor;
import io.tollgate.api.input.Queries;
import io.tollgate.tenant.ResolvedTenant;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code /admin/tenants/{slug}/data-requests/**}: a tenant's customers/data_request requests, one request with its
 * document, and marking one delivered. The document is the customer's personal data: it is in the answer only for a
 * token with the {@code payloads} scope (like a stored event's body); without it, {@code document_withheld} is true.
 */
public final class DataRequestsService implements HttpService {
    private final DataRequests requests;
    private final RouteTable routes;
    private final TenantLookup tenants;

    public DataRequestsService(DataRequests requests, RouteTable routes, TenantLookup tenants) {
        this.requests = requests;
        this.routes = routes;
        this.tenants = tenants;
    }

    @Override
    public void routing(HttpRules rules) {
        AdminRoutes.on(routes, rules)
                .add(Method.GET, "/tenants/{slug}/data-requests", Scope.READ, tenants.of(this::list))
                // the document is there only for a token with the payloads scope (see get)
                .add(Method.GET, "/tenants/{slug}/data-requests/{id}", Scope.READ, tenants.of(this::get))
                .add(Method.POST, "/tenants/{slug}/data-requests/{id}/delivered", Scope.OPERATE,
                     tenants.of(this::delivered));
    }

    /** One request in a list: no document. Shopify's ids are strings. */
    public record DataRequestOut(UUID id, String state, Instant receivedAt, String customerId,
                                 String shopifyDataRequestId, UUID eventId, Instant deliveredAt, String deliveredBy) {
        static DataRequestOut of(DataRequests.Summary s) {
            return new DataRequestOut(s.id(), s.state().wire(), s.receivedAt(), s.customerId().orElse(null),
                                      s.shopifyRequestId().orElse(null), s.eventId().value(),
                                      s.deliveredAt().orElse(null), s.deliveredBy().orElse(null));
        }
    }

    /** One request with its document, or {@code document_withheld} true without the payloads scope. */
    public record DataRequestDetailOut(UUID id, String state, Instant receivedAt, String customerId,
                                       String shopifyDataRequestId, UUID eventId, Instant deliveredAt,
                                       String deliveredBy, JsonNode document, Boolean documentWithheld) {
        static DataRequestDetailOut of(DataRequests.Summary s, Optional<JsonNode> document) {
            DataRequestOut o = DataRequestOut.of(s);
            return new DataRequestDetailOut(o.id(), o.state(), o.receivedAt(), o.customerId(),
                                            o.shopifyDataRequestId(), o.eventId(), o.deliveredAt(), o.deliveredBy(),
                                            document.orElse(null), document.isEmpty() ? Boolean.TRUE : null);
        }
    }

    private void list(ServerRequest req, ServerResponse res, ResolvedTenant t) {
        Optional<DataRequestState> state = Queries.string(req, "state").map(s -> DataRequestState.fromWire(s)
                .orElseThrow(() -> new ApiException.BadRequest("invalid-query", "Unknown data request state.",
                                                               List.of(new FieldError("state", "must be one of "
                                                                       + Arrays.stream(DataRequestState.values())
                                                                       .map(DataRequestState::wire).toList())))));
        int limit = Queries.limit(req);
        Optional<Map.Entry<Instant, UUID>> after = Cursor.decode(Queries.string(req, "cursor"), 2)
                .map(p -> Map.entry(Cursor.instant(p.get(0)), Cursor.uuid(p.get(1))));
        List<DataRequests.Summary> page = requests.list(t.id(), state, limit + 1, after);
        List<DataRequestOut> items = page.subList(0, Math.min(limit, page.size())).stream()
                .map(DataRequestOut::of).toList();
        String next = page.size() > limit
                ? Cursor.encode(page.get(limit - 1).receivedAt().toString(), page.get(limit - 1).id().toString())
                : null;
        Responses.json(res, Status.OK_200, new Page<>(items, next));
    }

    private void get(ServerRequest req, ServerResponse res, ResolvedTenant t) {
        UUID id = requestId(req);
        DataRequests.Detail d = requests.get(t.id(), id).orElseThrow(() -> notFound(id));
        boolean payloads = req.context().get(Operator.class).map(op -> op.may(Scope.PAYLOADS)).orElse(false);
        Responses.json(res, Status.OK_200, DataRequestDetailOut.of(
                d.summary(), payloads ? Optional.of(d.document()) : Optional.empty()));
    }

    private void delivered(ServerRequest req, ServerResponse res, ResolvedTenant t) {
        UUID id = requestId(req);
        req.context().register(AuditLog.Note.on("data_request.delivered", t, Optional.of(id.toString())));
        Operator by = AdminRoutes.require(req, Scope.OPERATE);
        DataRequests.Delivered d = requests.deliver(t.id(), id, by.name()).orElseThrow(() -> notFound(id));
        Responses.json(res, Status.OK_200, DataRequestOut.of(d.request()));
    }

    private static UUID requestId(ServerRequest req) {
        String raw = req.path().pathParameters().get("id");
        try {
            UUID id = UUID.fromString(raw);
            if (id.toString().equalsIgnoreCase(raw)) {
                return id;
            }
        } catch (IllegalArgumentException e) {
            // not a request id: no such request
        }
        throw new ApiException.NotFound("data-request-not-found", "No such data request.");
    }

    private static ApiException notFound(UUID id) {
        return new ApiException.NotFound("data-request-not-found", "This tenant has no data request " + id + ".");
    }
}
