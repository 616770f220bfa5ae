package io.tollgate.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.tollgate.api.config.AppConfig;
import io.tollgate.api.observe.IngressMetrics;
import io.tollgate.api.observe.ProcessMeters;
import io.tollgate.api.observe.TenantLabels;
import io.tollgate.api.http.Json;
import io.tollgate.api.http.RouteTable;
import io.tollgate.api.ingest.DatabaseLoad;
import io.tollgate.tenant.crypto.CredentialCipher;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.resolve.TenantResolver;
import io.tollgate.tenant.store.TenantStore;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The routing tier without a socket: the services {@link Tollgate#services} builds, registered by
 * {@link Tollgate#routing}, called through Helidon's {@link DirectClient}. The admin filter checks tokens in the
 * real (test) PostgreSQL.
 */
@RoutingTest
class RoutingTierTest {
    private static TestDatabase testDb;
    private static Database db;
    private static Services services;
    private static final Resources resources = new Resources();

    private final DirectClient client;

    RoutingTierTest(DirectClient client) {
        this.client = client;
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        testDb = TestDatabase.migrated();
        db = testDb.open();
        AppConfig config = AppConfig.load(TestServers.env(testDb.jdbcUrl(), testDb.user(), testDb.password()));
        CredentialCipher cipher = new CredentialCipher(config.keys().masterKey().orElseThrow(), java.util.List.of());
        TenantResolver resolver = new TenantResolver(new TenantStore(db, cipher), Duration.ofMinutes(1), 100);
        services = Tollgate.services(config, db, db, resolver, cipher, new DatabaseLoad(16, 4),
                                     new IngressMetrics(ProcessMeters.registry(),
                                                        new TenantLabels.All(100)),
                                     new RouteTable(),
                                     new io.tollgate.api.gorgias.GorgiasClient(
                                             config.upstreams().settings(),
                                             new io.tollgate.api.upstream.UpstreamMetrics(ProcessMeters.registry()),
                                             new io.tollgate.api.upstream.AccountPacing(
                                                     db, io.tollgate.api.upstream.Upstream.GORGIAS, 40,
                                                     Duration.ofSeconds(20), t -> t.gorgias().domain())),
                                     new io.tollgate.api.shopify.ShopifyClient(
                                             config.upstreams().settings(),
                                             new io.tollgate.api.upstream.UpstreamMetrics(ProcessMeters.registry())),
                                     resources);
        Tollgate.routing(routing, services);
    }

    @AfterAll
    static void tearDown() {
        resources.close();
        db.close();
        testDb.close();
    }

    private static JsonNode problem(Http1ClientResponse res, Status status) throws Exception {
        assertThat(res.status()).isEqualTo(status);
        assertThat(res.headers().contentType().map(Object::toString)).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("application/problem+json"));
        String body = res.as(String.class);
        assertThat(body).doesNotContain("Exception").doesNotContain("\tat ");
        JsonNode json = Json.MAPPER.readTree(body);
        assertThat(json.get("status").asInt()).isEqualTo(status.code());
        return json;
    }

    @Test
    void theAdminFilterAnswers401ProblemWithoutAToken() throws Exception {
        try (Http1ClientResponse res = client.get("/admin/tenants").request()) {
            assertThat(res.headers().first(HeaderNames.WWW_AUTHENTICATE)).hasValue("Bearer realm=\"tollgate-admin\"");
            JsonNode p = problem(res, Status.UNAUTHORIZED_401);
            assertThat(p.get("type").asText()).endsWith("/unauthorized");
            assertThat(p.get("instance").asText()).isEqualTo("/admin/tenants");
        }
        try (Http1ClientResponse res = client.get("/admin/tenants")
                .header(HeaderNames.AUTHORIZATION, "Bearer not-a-real-token-0123456789abcdef").request()) {
            problem(res, Status.UNAUTHORIZED_401);
        }
    }

    @Test
    void anApiExceptionFromAHandlerMapsToItsProblemDocument() throws Exception {
        try (Http1ClientResponse res = client.get("/admin/tenants/no-such-shop")
                .header(HeaderNames.AUTHORIZATION, "Bearer " + TestServers.ADMIN_TOKEN).request()) {
            JsonNode p = problem(res, Status.NOT_FOUND_404);
            assertThat(p.get("type").asText()).endsWith("/tenant-not-found");
            assertThat(p.get("detail").asText()).contains("no-such-shop");
        }
    }

    @Test
    void anUnknownRouteIsANotFoundProblem() throws Exception {
        try (Http1ClientResponse res = client.get("/nowhere").request()) {
            JsonNode p = problem(res, Status.NOT_FOUND_404);
            assertThat(p.get("type").asText()).endsWith("/not-found");
        }
    }

    @Test
    void anUnknownTenantsWebhookIsANotFoundProblem() throws Exception {
        try (Http1ClientResponse res = client.post("/webhooks/no-such-shop/shopify").submit("{}")) {
            JsonNode p = problem(res, Status.NOT_FOUND_404);
            assertThat(p.get("type").asText()).endsWith("/unknown-tenant");
        }
    }
}
