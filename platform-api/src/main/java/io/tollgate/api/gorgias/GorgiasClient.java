package io.tollgate.api.gorgias;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.api.draft.Draft;
import io.tollgate.api.http.Json;
import io.tollgate.api.upstream.AccountPacing;
import io.tollgate.api.upstream.BaseUrls;
import io.tollgate.api.upstream.Upstream;
import io.tollgate.api.upstream.UpstreamAnswer;
import io.tollgate.api.upstream.UpstreamCaller;
import io.tollgate.api.upstream.UpstreamMetrics;
import io.tollgate.api.upstream.UpstreamRequest;
import io.tollgate.api.upstream.UpstreamResult;
import io.tollgate.api.upstream.UpstreamSettings;
import io.tollgate.tenant.GorgiasCredentials;
import io.tollgate.tenant.ResolvedTenant;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The Gorgias REST API: internal notes on tickets, and the tenant's HTTP integration (the webhook that sends its
 * tickets to Tollgate). Every call takes one of the Gorgias account's calls of the fleet-wide budget
 * ({@link AccountPacing}: at most {@link UpstreamSettings#gorgiasCalls()} in any {@link UpstreamSettings#gorgiasWindow()}
 * per Gorgias domain; a call over the budget returns {@link UpstreamResult.RetryLater} without being made) and passes
 * through a circuit breaker per tenant (see {@link UpstreamCaller}).
 */
public final class GorgiasClient implements AutoCloseable {
    /** Messages (or integrations) asked for per page. */
    static final int PAGE_SIZE = 100;
    /** Pages of HTTP integrations read at most when looking for Tollgate's. */
    static final int MAX_INTEGRATION_PAGES = 10;

    private final UpstreamCaller caller;
    private final UpstreamSettings settings;

    /**
     * @param pacing the fleet-wide budget of Gorgias calls per Gorgias account (keyed by the tenant's Gorgias domain,
     *               so tenants on one account share it)
     */
    public GorgiasClient(UpstreamSettings settings, UpstreamMetrics metrics, AccountPacing pacing) {
        this.settings = settings;
        this.caller = new UpstreamCaller(Upstream.GORGIAS, settings, metrics, Optional.of(pacing));
    }

    /**
     * Posts {@code draft} as an internal note on the ticket, sent by the API user, tagged with {@code externalId};
     * Ok holds the id of the created message. After a {@code RetryLater} the note may exist (a 5xx or a timeout):
     * look for it with {@link #findMessageByExternalId} before posting again.
     */
    public UpstreamResult<Long> postInternalNote(ResolvedTenant tenant, long ticketId, String externalId, Draft draft) {
        Objects.requireNonNull(externalId, "externalId");
        Objects.requireNonNull(draft, "draft");
        GorgiasCredentials c = tenant.gorgias();
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("channel", "internal-note");
        body.put("via", "api");
        body.put("from_agent", true);
        body.putObject("sender").put("email", c.username());
        body.put("body_text", draft.text());
        body.put("body_html", draft.html());
        body.put("external_id", externalId);
        UpstreamRequest request = UpstreamRequest.postJson(messages(c, ticketId), headers(c), Json.write(body));
        return caller.call(tenant, request, answer -> {
            JsonNode id = tree(answer).get("id");
            if (id == null || !id.canConvertToLong()) {
                return new UpstreamResult.Failed<>(answer.status(), "the answer has no message id");
            }
            return new UpstreamResult.Ok<>(id.longValue());
        });
    }

    /**
     * The ticket as Gorgias has it now ({@code GET /api/tickets/{id}}: the Ticket object, with its {@code customer}
     * and its {@code messages}); empty when Gorgias has no such ticket (404). When the answer carries no
     * {@code messages} list, they are read with {@code GET /api/messages?ticket_id=} (oldest first, following
     * {@code meta.next_cursor}, at most {@link UpstreamSettings#maxMessagePages()} pages) and set on it. A 429 or 5xx
     * is {@code RetryLater}, as for every call.
     */
    public UpstreamResult<Optional<ObjectNode>> ticket(ResolvedTenant tenant, long ticketId) {
        GorgiasCredentials c = tenant.gorgias();
        UpstreamResult<ObjectNode> read = caller.call(
                tenant, UpstreamRequest.get(api(c, "/api/tickets/" + ticketId), headers(c)),
                answer -> new UpstreamResult.Ok<>((ObjectNode) tree(answer)));
        if (read instanceof UpstreamResult.Failed<ObjectNode> f && f.status() == 404) {
            return new UpstreamResult.Ok<>(Optional.empty());
        }
        if (!(read instanceof UpstreamResult.Ok<ObjectNode>(ObjectNode ticket))) {
            return read.cast();
        }
        JsonNode embedded = ticket.get("messages");
        if (embedded != null && embedded.isArray()) {
            return new UpstreamResult.Ok<>(Optional.of(ticket));
        }
        ArrayNode messages = Json.MAPPER.createArrayNode();
        Optional<String> cursor = Optional.empty();
        for (int page = 0; page < settings.maxMessagePages(); page++) {
            String query = "?ticket_id=" + ticketId + "&order_by=created_datetime:asc&limit=" + PAGE_SIZE
                    + cursor.map(v -> "&cursor=" + URLEncoder.encode(v, StandardCharsets.UTF_8)).orElse("");
            UpstreamResult<JsonNode> listed = caller.call(
                    tenant, UpstreamRequest.get(URI.create(api(c, "/api/messages") + query), headers(c)),
                    answer -> new UpstreamResult.Ok<>(tree(answer)));
            if (!(listed instanceof UpstreamResult.Ok<JsonNode>(JsonNode root))) {
                return listed.cast();
            }
            JsonNode data = root.get("data");
            if (data == null || !data.isArray()) {
                return new UpstreamResult.Failed<>(0, "gorgias: the messages of ticket " + ticketId
                        + " came without a data list");
            }
            data.forEach(messages::add);
            cursor = nextCursor(root);
            if (cursor.isEmpty()) {
                ticket.set("messages", messages);
                return new UpstreamResult.Ok<>(Optional.of(ticket));
            }
        }
        return new UpstreamResult.Failed<>(0, "gorgias: ticket " + ticketId + " has more than "
                + settings.maxMessagePages() * PAGE_SIZE + " messages");
    }

    /**
     * The id of the ticket's message with {@code externalId}, if there is one. Reads at most
     * {@link UpstreamSettings#maxMessagePages()} pages; a ticket with more messages than that is {@code Failed}
     * (status 0), since "not found" could not be told apart from "not read".
     */
    public UpstreamResult<Optional<Long>> findMessageByExternalId(ResolvedTenant tenant, long ticketId,
                                                                  String externalId) {
        Objects.requireNonNull(externalId, "externalId");
        GorgiasCredentials c = tenant.gorgias();
        Optional<String> cursor = Optional.empty();
        for (int page = 0; page < settings.maxMessagePages(); page++) {
            String query = "?limit=" + PAGE_SIZE + cursor.map(
                    v -> "&cursor=" + URLEncoder.encode(v, StandardCharsets.UTF_8)).orElse("");
            URI uri = URI.create(messages(c, ticketId) + query);
            UpstreamResult<Page> result = caller.call(tenant, UpstreamRequest.get(uri, headers(c)),
                                                      answer -> page(answer, externalId));
            if (!(result instanceof UpstreamResult.Ok<Page>(Page found))) {
                return result.cast();
            }
            if (found.id().isPresent() || found.nextCursor().isEmpty()) {
                return new UpstreamResult.Ok<>(found.id());
            }
            cursor = found.nextCursor();
        }
        return new UpstreamResult.Failed<>(0, "gorgias: ticket " + ticketId + " has more than "
                + settings.maxMessagePages() * PAGE_SIZE + " messages; external id " + externalId + " not found in them");
    }

    /**
     * A cheap authenticated read ({@code GET /api/account}): Ok when the credentials work; a 401 or 403 comes back
     * as {@code Failed} with the upstream's status and message.
     */
    public UpstreamResult<Boolean> verifyCredentials(ResolvedTenant tenant) {
        GorgiasCredentials c = tenant.gorgias();
        return caller.call(tenant, UpstreamRequest.get(api(c, "/api/account"), headers(c)),
                           answer -> new UpstreamResult.Ok<>(tree(answer).isObject()));
    }

    /**
     * Every HTTP integration of the account ({@code GET /api/integrations?type=http}, following
     * {@code meta.next_cursor}), at most {@link #MAX_INTEGRATION_PAGES} pages; more than that is {@code Failed}
     * (status 0), since Tollgate's could not be told apart from one not read. Entries without an id are skipped.
     */
    public UpstreamResult<List<HttpIntegration>> httpIntegrations(ResolvedTenant tenant) {
        GorgiasCredentials c = tenant.gorgias();
        List<HttpIntegration> all = new ArrayList<>();
        Optional<String> cursor = Optional.empty();
        for (int page = 0; page < MAX_INTEGRATION_PAGES; page++) {
            String query = "?type=http&limit=" + PAGE_SIZE + cursor.map(
                    v -> "&cursor=" + URLEncoder.encode(v, StandardCharsets.UTF_8)).orElse("");
            UpstreamResult<IntegrationPage> result = caller.call(
                    tenant, UpstreamRequest.get(URI.create(api(c, "/api/integrations") + query), headers(c)),
                    GorgiasClient::integrationPage);
            if (!(result instanceof UpstreamResult.Ok<IntegrationPage>(IntegrationPage found))) {
                return result.cast();
            }
            all.addAll(found.integrations());
            if (found.nextCursor().isEmpty()) {
                return new UpstreamResult.Ok<>(List.copyOf(all));
            }
            cursor = found.nextCursor();
        }
        return new UpstreamResult.Failed<>(0, "gorgias: the account has more than "
                + MAX_INTEGRATION_PAGES * PAGE_SIZE + " HTTP integrations; Tollgate's could not be looked for in all");
    }

    /** One integration by id ({@code GET /api/integrations/{id}}); Ok(empty) when Gorgias answers 404. */
    public UpstreamResult<Optional<HttpIntegration>> httpIntegration(ResolvedTenant tenant, long id) {
        GorgiasCredentials c = tenant.gorgias();
        UpstreamResult<Optional<HttpIntegration>> r = caller.call(
                tenant, UpstreamRequest.get(api(c, "/api/integrations/" + id), headers(c)),
                answer -> HttpIntegration.parse(tree(answer))
                        .<UpstreamResult<Optional<HttpIntegration>>>map(i -> new UpstreamResult.Ok<>(Optional.of(i)))
                        // a 2xx that is not an integration says nothing of whether it exists
                        .orElseGet(() -> new UpstreamResult.Failed<>(answer.status(),
                                                                     "the answer is not an HTTP integration")));
        if (r instanceof UpstreamResult.Failed<Optional<HttpIntegration>> f && f.status() == 404) {
            return new UpstreamResult.Ok<>(Optional.empty());
        }
        return r;
    }

    /**
     * Creates Tollgate's HTTP integration (see {@link HttpIntegration#body}); Ok holds its id. After a
     * {@code RetryLater} it may exist: list the integrations before creating again.
     */
    public UpstreamResult<Long> createHttpIntegration(ResolvedTenant tenant, String name, URI webhookUrl,
                                                      String token) {
        GorgiasCredentials c = tenant.gorgias();
        byte[] body = Json.write(HttpIntegration.body(name, webhookUrl, token, Optional.empty()));
        return caller.call(tenant, UpstreamRequest.postJson(api(c, "/api/integrations"), headers(c), body),
                           GorgiasClient::integrationId);
    }

    /**
     * Makes integration {@code existing} Tollgate's again ({@code PUT /api/integrations/{id}}): the URL, the token
     * header (its other headers kept), the body template, the triggers, active. Ok holds its id.
     */
    public UpstreamResult<Long> updateHttpIntegration(ResolvedTenant tenant, HttpIntegration existing, String name,
                                                      URI webhookUrl, String token) {
        GorgiasCredentials c = tenant.gorgias();
        byte[] body = Json.write(HttpIntegration.body(name, webhookUrl, token, Optional.of(existing)));
        return caller.call(tenant, UpstreamRequest.putJson(api(c, "/api/integrations/" + existing.id()), headers(c),
                                                           body),
                           answer -> new UpstreamResult.Ok<>(existing.id()));
    }

    /** Deletes an integration; Ok(false) when Gorgias no longer has it (404). */
    public UpstreamResult<Boolean> deleteHttpIntegration(ResolvedTenant tenant, long id) {
        GorgiasCredentials c = tenant.gorgias();
        UpstreamResult<Boolean> r = caller.call(
                tenant, UpstreamRequest.delete(api(c, "/api/integrations/" + id), headers(c)),
                answer -> new UpstreamResult.Ok<>(true));
        if (r instanceof UpstreamResult.Failed<Boolean> f && f.status() == 404) {
            return new UpstreamResult.Ok<>(false);
        }
        return r;
    }

    private URI api(GorgiasCredentials c, String path) {
        return BaseUrls.resolve(BaseUrls.gorgias(c, settings.allowBaseUrlOverride()), path);
    }

    private static UpstreamResult<IntegrationPage> integrationPage(UpstreamAnswer answer) {
        JsonNode root = tree(answer);
        JsonNode data = root.get("data");
        if (data == null || !data.isArray()) {
            return new UpstreamResult.Failed<>(answer.status(), "the answer has no data list");
        }
        List<HttpIntegration> out = new ArrayList<>();
        for (JsonNode node : data) {
            JsonNode type = node.get("type");
            if (type == null || type.isNull() || "http".equals(type.asText())) {
                HttpIntegration.parse(node).ifPresent(out::add);
            }
        }
        return new UpstreamResult.Ok<>(new IntegrationPage(out, nextCursor(root)));
    }

    private static UpstreamResult<Long> integrationId(UpstreamAnswer answer) {
        return HttpIntegration.parse(tree(answer))
                .<UpstreamResult<Long>>map(i -> new UpstreamResult.Ok<>(i.id()))
                .orElseGet(() -> new UpstreamResult.Failed<>(answer.status(), "the answer has no integration id"));
    }

    private static Optional<String> nextCursor(JsonNode root) {
        JsonNode next = root.path("meta").get("next_cursor");
        return next != null && next.isTextual() && !next.textValue().isEmpty()
                ? Optional.of(next.textValue()) : Optional.empty();
    }

    private record IntegrationPage(List<HttpIntegration> integrations, Optional<String> nextCursor) {
    }

    private URI messages(GorgiasCredentials c, long ticketId) {
        return BaseUrls.resolve(BaseUrls.gorgias(c, settings.allowBaseUrlOverride()),
                                "/api/tickets/" + ticketId + "/messages");
    }

    private static Map<String, String> headers(GorgiasCredentials c) {
        String basic = c.username() + ":" + c.apiKey().reveal();
        return Map.of("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                              basic.getBytes(StandardCharsets.UTF_8)),
                      "Accept", "application/json");
    }

    private static UpstreamResult<Page> page(UpstreamAnswer answer, String externalId) {
        JsonNode root = tree(answer);
        JsonNode data = root.get("data");
        if (data == null || !data.isArray()) {
            return new UpstreamResult.Failed<>(answer.status(), "the answer has no data list");
        }
        Optional<Long> id = Optional.empty();
        for (JsonNode message : data) {
            JsonNode ext = message.get("external_id");
            JsonNode mid = message.get("id");
            if (ext != null && ext.isTextual() && externalId.equals(ext.textValue()) && mid != null
                    && mid.canConvertToLong()) {
                id = Optional.of(mid.longValue());
                break;
            }
        }
        JsonNode next = root.path("meta").get("next_cursor");
        Optional<String> nextCursor = next != null && next.isTextual() && !next.textValue().isEmpty()
                ? Optional.of(next.textValue()) : Optional.empty();
        return new UpstreamResult.Ok<>(new Page(id, nextCursor));
    }

    private static JsonNode tree(UpstreamAnswer answer) {
        try {
            JsonNode root = Json.MAPPER.readTree(answer.body());
            if (root == null || !root.isObject()) {
                throw new IllegalArgumentException("the answer is not a JSON object");
            }
            return root;
        } catch (IOException e) {
            throw new IllegalArgumentException("the answer is not JSON");
        }
    }

    private record Page(Optional<Long> id, Optional<String> nextCursor) {
    }

    /** Closes the client's kept-alive connections (at shutdown, after everything that calls it has stopped). */
    @Override
    public void close() {
        caller.close();
    }
}
