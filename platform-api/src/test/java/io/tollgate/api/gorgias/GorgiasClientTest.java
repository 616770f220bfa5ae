package io.tollgate.api.gorgias;

import io.tollgate.api.draft.Draft;
import io.tollgate.api.upstream.AccountPacing;
import io.tollgate.api.upstream.Upstream;
import io.tollgate.api.upstream.UpstreamCaller;
import io.tollgate.api.upstream.UpstreamResult;
import io.tollgate.api.upstream.UpstreamSettings;
import io.tollgate.api.upstream.UpstreamTesting;
import io.tollgate.api.upstream.WireMockUpstream;
import io.tollgate.tenant.GorgiasCredentials;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.Secret;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.tollgate.api.upstream.UpstreamTesting.gorgiasKey;
import static io.tollgate.api.upstream.UpstreamTesting.shopifyToken;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Gorgias client against WireMock on a local port: real HTTP, the contract's request shapes; its budget of calls
 * per Gorgias account in a real PostgreSQL, shared by every client on it as by every pod.
 */
class GorgiasClientTest {
    private static final Draft DRAFT = new Draft("Hi Bob,\nyour order #1003 shipped.",
                                                 "<p>Hi Bob,<br>your order #1003 shipped.</p>");
    private static final String NOTES = "/api/tickets/123/messages";

    @RegisterExtension
    static final WireMockUpstream UPSTREAM = new WireMockUpstream("gorgias");

    private static TestDatabase testDb;
    private static Database db;

    @BeforeAll
    static void database() {
        testDb = TestDatabase.migrated();
        db = testDb.open();
    }

    @AfterAll
    static void closeDatabase() {
        db.close();
        testDb.close();
    }

    @BeforeEach
    void emptyBudgets() throws SQLException {
        try (Connection c = testDb.connect(); Statement st = c.createStatement()) {
            st.execute("DELETE FROM upstream_calls; DELETE FROM upstream_holds");
        }
    }

    /** A client as one pod has it: its own process state, the fleet's budget in the database. */
    private GorgiasClient client(UpstreamSettings settings) {
        return new GorgiasClient(settings, UPSTREAM.metrics(), new AccountPacing(
                db, Upstream.GORGIAS, settings.gorgiasCalls(), settings.gorgiasWindow(), t -> t.gorgias().domain()));
    }

    /** {@code slug}'s tenant with its own API user, on the Gorgias account {@code domain}. */
    private static ResolvedTenant onAccount(String slug, String domain) {
        ResolvedTenant t = UpstreamTesting.tenant(slug, UPSTREAM.base());
        return new ResolvedTenant(t.tenant(), new GorgiasCredentials(domain, t.gorgias().username(),
                                                                     Secret.of(gorgiasKey(slug)),
                                                                     t.gorgias().baseUrl()),
                                  t.shopify(), t.secrets());
    }

    private static long loggedCalls(String account) throws SQLException {
        try (Connection c = testDb.connect();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM upstream_calls WHERE account = ?")) {
            ps.setString(1, account);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static String basic(ResolvedTenant t) {
        String pair = t.gorgias().username() + ":" + gorgiasKey(t.tenant().slug());
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void postsTheInternalNoteOfTheContractWithBasicAuthAndReturnsTheMessageId() {
        ResolvedTenant t = UpstreamTesting.tenant("acme", UPSTREAM.base());
        UPSTREAM.server().stubFor(post(urlEqualTo(NOTES))
                .withBasicAuth(t.gorgias().username(), gorgiasKey("acme"))
                .withHeader("Content-Type", equalTo("application/json"))
                .withRequestBody(equalToJson("""
                        {"channel": "internal-note", "via": "api", "from_agent": true,
                         "sender": {"email": "agent@acme.example"},
                         "body_text": "Hi Bob,\\nyour order #1003 shipped.",
                         "body_html": "<p>Hi Bob,<br>your order #1003 shipped.</p>",
                         "external_id": "tollgate:evt-1"}"""))
                .willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
                                    .withBody("{\"id\": 98765432101, \"channel\": \"internal-note\"}")));

        UpstreamResult<Long> result = client(UpstreamTesting.settings()).postInternalNote(t, 123, "tollgate:evt-1",
                                                                                          DRAFT);

        assertThat(result).isEqualTo(new UpstreamResult.Ok<>(98765432101L));
        UPSTREAM.server().verify(1, postRequestedFor(urlEqualTo(NOTES)));
        assertThat(UPSTREAM.moved("201")).isEqualTo(1);
    }

    @Test
    void wrongCredentialsAreFailedWithTheUpstreamsBodyAndRequestIdAndNoSecretAnywhere() {
        ResolvedTenant t = UpstreamTesting.tenant("leaky", UPSTREAM.base());
        // an upstream that echoes what it was sent: the reason must still hold no credential
        UPSTREAM.unauthorized(NOTES, "req-401-abc", "{\"error\": \"bad credentials\",\n\"key\": \""
                + gorgiasKey("leaky") + "\", \"auth\": \"" + basic(t) + "\"}");

        WireMockUpstream.Logged<Long> call = WireMockUpstream.logged(
                () -> client(UpstreamTesting.settings()).postInternalNote(t, 123, "tollgate:evt-2", DRAFT));
        UpstreamResult<Long> result = call.result();
        String logs = call.logs();

        assertThat(result).isInstanceOf(UpstreamResult.Failed.class);
        UpstreamResult.Failed<Long> failed = (UpstreamResult.Failed<Long>) result;
        assertThat(failed.status()).isEqualTo(401);
        assertThat(failed.reason()).contains("gorgias", "401", "req-401-abc", "bad credentials");
        assertThat(failed.reason()).as("one line, though the body had two").doesNotContain("\n");
        String secretFree = basic(t).substring("Basic ".length());
        for (String text : new String[] {failed.reason(), logs}) {
            assertThat(text).doesNotContain(gorgiasKey("leaky"), secretFree, shopifyToken("leaky"));
        }
        assertThat(logs).as("one WARNING line for the failed call, with the tenant's slug")
                .contains("tenant=leaky", "req-401-abc", "bad credentials");
        assertThat(logs.lines().filter(l -> l.contains("upstream call failed")).count()).isEqualTo(1);
        assertThat(UPSTREAM.moved("401")).isEqualTo(1);
        assertThat(UPSTREAM.moved("201")).isZero();
    }

    @Test
    void tooManyRequestsHonoursRetryAfterInSeconds() {
        ResolvedTenant t = UpstreamTesting.tenant("busy", UPSTREAM.base());
        UPSTREAM.server().stubFor(post(urlEqualTo(NOTES)).willReturn(aResponse().withStatus(429)
                                                                  .withHeader("Retry-After", "2")
                                                                  .withBody("{\"error\": \"rate limited\"}")));

        UpstreamResult<Long> result = client(UpstreamTesting.settings()).postInternalNote(t, 123, "tollgate:e", DRAFT);

        assertThat(result).isInstanceOf(UpstreamResult.RetryLater.class);
        assertThat(((UpstreamResult.RetryLater<Long>) result).after()).isEqualTo(Duration.ofSeconds(2));
        assertThat(((UpstreamResult.RetryLater<Long>) result).reason()).contains("gorgias HTTP 429", "rate limited");
        assertThat(UPSTREAM.moved("429")).isEqualTo(1);
    }

    @Test
    void serverErrorsAreRetriedLater() {
        ResolvedTenant t = UpstreamTesting.tenant("flaky", UPSTREAM.base());
        UPSTREAM.server().stubFor(post(urlEqualTo(NOTES)).willReturn(aResponse().withStatus(500).withBody("oops")));

        UpstreamResult<Long> result = client(UpstreamTesting.settings()).postInternalNote(t, 123, "tollgate:e", DRAFT);

        assertThat(result).isInstanceOf(UpstreamResult.RetryLater.class);
        assertThat(((UpstreamResult.RetryLater<Long>) result).reason()).contains("gorgias HTTP 500", "oops");
        assertThat(UPSTREAM.moved("500")).isEqualTo(1);
    }

    @Test
    void aReadTimeoutIsRetriedLaterAndCountedAsTimeout() {
        ResolvedTenant t = UpstreamTesting.tenant("slow", UPSTREAM.base());
        UPSTREAM.server().stubFor(post(urlEqualTo(NOTES)).willReturn(okJson("{\"id\": 1}").withFixedDelay(3_000)));

        UpstreamResult<Long> result = client(UpstreamTesting.settings(Duration.ofMillis(300), 1000, 1000))
                .postInternalNote(t, 123, "tollgate:e", DRAFT);

        assertThat(result).isInstanceOf(UpstreamResult.RetryLater.class);
        assertThat(((UpstreamResult.RetryLater<Long>) result).reason()).contains("gorgias", "timeout");
        assertThat(UPSTREAM.moved("timeout")).isEqualTo(1);
        assertThat(UPSTREAM.moved("200")).isZero();
    }

    @Test
    void theFortyFirstCallOfATenantIsPacedWithoutReachingGorgiasWhileAnotherTenantPasses() {
        ResolvedTenant busy = UpstreamTesting.tenant("busy-shop", UPSTREAM.base());
        ResolvedTenant calm = UpstreamTesting.tenant("calm-shop", UPSTREAM.base());
        UPSTREAM.server().stubFor(post(urlEqualTo(NOTES)).willReturn(okJson("{\"id\": 7}").withStatus(201)));
        GorgiasClient client = client(UpstreamTesting.settings(Duration.ofSeconds(10), 40, 1000));

        for (int i = 0; i < 40; i++) {
            assertThat(client.postInternalNote(busy, 123, "tollgate:e" + i, DRAFT))
                    .as("call %d", i + 1).isEqualTo(new UpstreamResult.Ok<>(7L));
        }
        UpstreamResult<Long> paced = client.postInternalNote(busy, 123, "tollgate:e40", DRAFT);
        UpstreamResult<Long> other = client.postInternalNote(calm, 123, "tollgate:x", DRAFT);

        assertThat(paced).isInstanceOf(UpstreamResult.RetryLater.class);
        Duration after = ((UpstreamResult.RetryLater<Long>) paced).after();
        assertThat(after).as("until the first of the 40 calls leaves the hour's window")
                .isGreaterThan(Duration.ofMinutes(59)).isLessThanOrEqualTo(Duration.ofHours(1));
        assertThat(((UpstreamResult.RetryLater<Long>) paced).sent()).isFalse();
        assertThat(other).isEqualTo(new UpstreamResult.Ok<>(7L));
        UPSTREAM.server().verify(40, postRequestedFor(urlEqualTo(NOTES))
                .withBasicAuth(new com.github.tomakehurst.wiremock.client.BasicCredentials(
                        busy.gorgias().username(), gorgiasKey("busy-shop"))));
        UPSTREAM.server().verify(41, postRequestedFor(urlEqualTo(NOTES)));
        assertThat(UPSTREAM.moved("201")).isEqualTo(41);
    }

    @Test
    void theDefaultPacingIsFortyCallsPerTwentySeconds() {
        assertThat(UpstreamSettings.DEFAULTS.gorgiasCalls()).isEqualTo(40);
        assertThat(UpstreamSettings.DEFAULTS.gorgiasWindow()).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void theBreakerOpensAfterRepeatedFailuresAndThenGorgiasSeesNoMoreCallsOfThatTenant() throws SQLException {
        ResolvedTenant down = UpstreamTesting.tenant("down-shop", UPSTREAM.base());
        ResolvedTenant fine = UpstreamTesting.tenant("fine-shop", UPSTREAM.base());
        UPSTREAM.server().stubFor(post(urlEqualTo(NOTES))
                .withBasicAuth(down.gorgias().username(), gorgiasKey("down-shop"))
                .willReturn(aResponse().withStatus(503).withBody("maintenance")));
        UPSTREAM.server().stubFor(post(urlEqualTo(NOTES))
                .withBasicAuth(fine.gorgias().username(), gorgiasKey("fine-shop"))
                .willReturn(okJson("{\"id\": 5}").withStatus(201)));
        GorgiasClient client = client(UpstreamTesting.settings(Duration.ofSeconds(10), 1000, 4));

        for (int i = 0; i < 4; i++) {
            UpstreamResult<Long> r = client.postInternalNote(down, 123, "tollgate:e", DRAFT);
            assertThat(r).isInstanceOf(UpstreamResult.RetryLater.class);
            assertThat(((UpstreamResult.RetryLater<Long>) r).reason()).contains("HTTP 503", "maintenance");
        }
        for (int i = 0; i < 3; i++) {
            UpstreamResult<Long> r = client.postInternalNote(down, 123, "tollgate:e", DRAFT);
            assertThat(r).isInstanceOf(UpstreamResult.RetryLater.class);
            assertThat(((UpstreamResult.RetryLater<Long>) r).reason()).contains("circuit breaker open");
            assertThat(((UpstreamResult.RetryLater<Long>) r).after()).isEqualTo(Duration.ofMinutes(10));
        }
        assertThat(client.postInternalNote(fine, 123, "tollgate:f", DRAFT)).isEqualTo(new UpstreamResult.Ok<>(5L));

        UPSTREAM.server().verify(5, postRequestedFor(urlEqualTo(NOTES)));
        assertThat(UPSTREAM.moved("503")).isEqualTo(4);
        assertThat(loggedCalls("gorgias:downshop")).as("calls the open breaker refused take no budget").isEqualTo(4);
    }

    @Test
    void twoPodsAndTwoTenantsOfOneGorgiasAccountShareItsBudgetOfFortyCalls() throws SQLException {
        ResolvedTenant first = onAccount("shared-one", "sharedaccount");
        ResolvedTenant second = onAccount("shared-two", "SharedAccount");
        ResolvedTenant other = onAccount("own-account", "ownaccount");
        UPSTREAM.server().stubFor(post(urlEqualTo(NOTES)).willReturn(okJson("{\"id\": 7}").withStatus(201)));
        UpstreamSettings settings = UpstreamTesting.settings(Duration.ofSeconds(10), 40, 1000);
        GorgiasClient podA = client(settings);
        GorgiasClient podB = client(settings);

        for (int i = 0; i < 20; i++) {
            assertThat(podA.postInternalNote(first, 123, "tollgate:a" + i, DRAFT)).isEqualTo(new UpstreamResult.Ok<>(7L));
            assertThat(podB.postInternalNote(second, 123, "tollgate:b" + i, DRAFT)).isEqualTo(new UpstreamResult.Ok<>(7L));
        }
        UpstreamResult<Long> paced = podB.postInternalNote(first, 123, "tollgate:a20", DRAFT);

        assertThat(paced).isInstanceOf(UpstreamResult.RetryLater.class);
        assertThat(((UpstreamResult.RetryLater<Long>) paced).sent()).isFalse();
        assertThat(((UpstreamResult.RetryLater<Long>) paced).reason()).contains("budget of 40 calls");
        assertThat(podA.postInternalNote(other, 123, "tollgate:x", DRAFT)).isEqualTo(new UpstreamResult.Ok<>(7L));
        UPSTREAM.server().verify(41, postRequestedFor(urlEqualTo(NOTES)));
        assertThat(loggedCalls("gorgias:sharedaccount")).isEqualTo(40);
    }

    @Test
    void anAnswerSayingTheAccountIsAtItsLimitPausesTheAccountForAWindowOnEveryPod() {
        ResolvedTenant first = onAccount("limit-one", "limitaccount");
        ResolvedTenant second = onAccount("limit-two", "limitaccount");
        UpstreamSettings settings = UpstreamTesting.settings(Duration.ofSeconds(10), 40, 1000);
        GorgiasClient podA = client(settings);
        GorgiasClient podB = client(settings);
        UPSTREAM.server().stubFor(post(urlEqualTo(NOTES)).willReturn(okJson("{\"id\": 7}").withStatus(201)
                .withHeader("X-Gorgias-Account-Api-Call-Limit", "39/40")));
        assertThat(podA.postInternalNote(first, 123, "tollgate:1", DRAFT)).isEqualTo(new UpstreamResult.Ok<>(7L));
        // one call left by Gorgias' count: it goes
        assertThat(podB.postInternalNote(second, 123, "tollgate:2", DRAFT)).isEqualTo(new UpstreamResult.Ok<>(7L));

        UPSTREAM.server().stubFor(post(urlEqualTo(NOTES)).willReturn(okJson("{\"id\": 8}").withStatus(201)
                .withHeader("X-Gorgias-Account-Api-Call-Limit", "40/40")));
        assertThat(podA.postInternalNote(first, 123, "tollgate:3", DRAFT)).isEqualTo(new UpstreamResult.Ok<>(8L));
        UpstreamResult<Long> paced = podB.postInternalNote(second, 123, "tollgate:4", DRAFT);

        assertThat(paced).isInstanceOf(UpstreamResult.RetryLater.class);
        assertThat(((UpstreamResult.RetryLater<Long>) paced).sent()).isFalse();
        assertThat(((UpstreamResult.RetryLater<Long>) paced).after()).as("a whole window (an hour here)")
                .isGreaterThan(Duration.ofMinutes(59)).isLessThanOrEqualTo(Duration.ofHours(1));
        UPSTREAM.server().verify(3, postRequestedFor(urlEqualTo(NOTES)));
    }

    @Test
    void tooManyRequestsPausesTheAccountOnEveryPodForItsRetryAfter() {
        ResolvedTenant first = onAccount("throttled-one", "throttledaccount");
        ResolvedTenant second = onAccount("throttled-two", "throttledaccount");
        ResolvedTenant other = onAccount("unthrottled", "unthrottledaccount");
        UPSTREAM.server().stubFor(post(urlEqualTo(NOTES)).willReturn(aResponse().withStatus(429)
                                                                  .withHeader("Retry-After", "30")
                                                                  .withBody("{\"error\": \"rate limited\"}")));
        GorgiasClient podA = client(UpstreamTesting.settings());
        GorgiasClient podB = client(UpstreamTesting.settings());

        UpstreamResult<Long> refused = podA.postInternalNote(first, 123, "tollgate:1", DRAFT);
        UpstreamResult<Long> held = podB.postInternalNote(second, 123, "tollgate:2", DRAFT);

        assertThat(refused).isEqualTo(new UpstreamResult.RetryLater<>(
                Duration.ofSeconds(30), ((UpstreamResult.RetryLater<Long>) refused).reason(), true));
        assertThat(held).isInstanceOf(UpstreamResult.RetryLater.class);
        assertThat(((UpstreamResult.RetryLater<Long>) held).sent()).isFalse();
        assertThat(((UpstreamResult.RetryLater<Long>) held).after())
                .isGreaterThan(Duration.ofSeconds(20)).isLessThanOrEqualTo(Duration.ofSeconds(30));
        UPSTREAM.server().verify(1, postRequestedFor(urlEqualTo(NOTES)));
        assertThat(podB.postInternalNote(other, 123, "tollgate:3", DRAFT)).isInstanceOf(UpstreamResult.RetryLater.class);
        UPSTREAM.server().verify(2, postRequestedFor(urlEqualTo(NOTES)));
    }

    @Test
    void theCallLimitHeaderIsReadAsUsedOverLimitAndAnythingElseIsIgnored() {
        assertThat(UpstreamCaller.parseCallLimit("10/40")).contains(new UpstreamCaller.CallLimit(10, 40));
        assertThat(UpstreamCaller.parseCallLimit(" 40 / 40 ")).contains(new UpstreamCaller.CallLimit(40, 40));
        for (String bad : new String[]{"", "40", "/40", "10/", "10/0", "-1/40", "a/b", "10/40/2", "9".repeat(40)}) {
            assertThat(UpstreamCaller.parseCallLimit(bad)).as(bad).isEmpty();
        }
    }

    @Test
    void findsTheMessageWithTheExternalIdOnALaterPage() {
        ResolvedTenant t = UpstreamTesting.tenant("finder", UPSTREAM.base());
        UPSTREAM.server().stubFor(get(urlPathEqualTo(NOTES)).withQueryParam("cursor", absent())
                               .withBasicAuth(t.gorgias().username(), gorgiasKey("finder"))
                               .willReturn(okJson("""
                                       {"data": [{"id": 1, "external_id": null, "channel": "email"},
                                                 {"id": 2, "external_id": "tollgate:other"}],
                                        "meta": {"next_cursor": "c2", "prev_cursor": null}}""")));
        UPSTREAM.server().stubFor(get(urlPathEqualTo(NOTES)).withQueryParam("cursor", equalTo("c2"))
                               .withBasicAuth(t.gorgias().username(), gorgiasKey("finder"))
                               .willReturn(okJson("""
                                       {"data": [{"id": 3, "channel": "chat"},
                                                 {"id": 44, "external_id": "tollgate:evt-9", "channel": "internal-note"}],
                                        "meta": {"next_cursor": "c3"}}""")));
        GorgiasClient client = client(UpstreamTesting.settings());

        assertThat(client.findMessageByExternalId(t, 123, "tollgate:evt-9"))
                .isEqualTo(new UpstreamResult.Ok<>(Optional.of(44L)));
        UPSTREAM.server().verify(2, getRequestedFor(urlPathEqualTo(NOTES)));
        assertThat(UPSTREAM.moved("200")).isEqualTo(2);
    }

    @Test
    void anExternalIdOnNoPageIsAbsentAndTooManyPagesIsNotCalledAbsent() {
        ResolvedTenant t = UpstreamTesting.tenant("finder2", UPSTREAM.base());
        UPSTREAM.server().stubFor(get(urlPathEqualTo(NOTES)).willReturn(okJson("""
                {"data": [{"id": 1, "external_id": "tollgate:other"}], "meta": {"next_cursor": null}}""")));
        UPSTREAM.server().stubFor(get(urlPathEqualTo("/api/tickets/456/messages")).willReturn(okJson("""
                {"data": [{"id": 1}], "meta": {"next_cursor": "more"}}""")));
        GorgiasClient client = client(UpstreamTesting.settings());

        assertThat(client.findMessageByExternalId(t, 123, "tollgate:evt-9"))
                .isEqualTo(new UpstreamResult.Ok<>(Optional.empty()));
        assertThat(client.findMessageByExternalId(t, 456, "tollgate:evt-9"))
                .isInstanceOf(UpstreamResult.Failed.class);
        UPSTREAM.server().verify(UpstreamTesting.settings().maxMessagePages(),
                      getRequestedFor(urlPathEqualTo("/api/tickets/456/messages")));
    }

    @Test
    void anIntegrationIsFoundGoneOrUnreadableAndOnlyA404SaysGone() {
        ResolvedTenant t = UpstreamTesting.tenant("integrations", UPSTREAM.base());
        UPSTREAM.server().stubFor(get(urlEqualTo("/api/integrations/7")).willReturn(okJson("""
                {"id": 7, "type": "http", "deactivated_datetime": null,
                 "http": {"url": "https://hooks.example/webhooks/integrations/gorgias", "method": "POST",
                          "request_content_type": "application/json", "headers": {}, "form": "{{context}}",
                          "triggers": {"ticket-created": true, "ticket-message-created": true}}}""")));
        UPSTREAM.server().stubFor(get(urlEqualTo("/api/integrations/8")).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/json").withBody("{\"error\": \"not found\"}")));
        UPSTREAM.server().stubFor(get(urlEqualTo("/api/integrations/9")).willReturn(okJson("{\"maintenance\": true}")));
        GorgiasClient client = client(UpstreamTesting.settings());

        assertThat(client.httpIntegration(t, 7)).isInstanceOfSatisfying(UpstreamResult.Ok.class,
                ok -> assertThat((Optional<?>) ok.value()).isPresent());
        assertThat(client.httpIntegration(t, 8)).isEqualTo(new UpstreamResult.Ok<>(Optional.empty()));
        assertThat(client.httpIntegration(t, 9)).isInstanceOfSatisfying(UpstreamResult.Failed.class,
                f -> assertThat(f.status()).isEqualTo(200));
    }

    @Test
    void aTicketIsReadWithItsEmbeddedMessagesOrItsMessageListAndA404IsNoTicket() {
        ResolvedTenant t = UpstreamTesting.tenant("reads", UPSTREAM.base());
        UPSTREAM.server().stubFor(get(urlEqualTo("/api/tickets/31")).withBasicAuth(t.gorgias().username(),
                                                                                 gorgiasKey("reads"))
                .willReturn(okJson("""
                        {"id": 31, "subject": "Order?", "customer": {"id": 5, "email": "bob@example.com"},
                         "messages": [{"id": 310, "ticket_id": 31, "from_agent": false, "body_text": "#1001?"}]}""")));
        UPSTREAM.server().stubFor(get(urlEqualTo("/api/tickets/32")).willReturn(okJson("""
                {"id": 32, "subject": "Order?", "customer": {"id": 5, "email": "bob@example.com"}}""")));
        UPSTREAM.server().stubFor(get(urlPathEqualTo("/api/messages")).withQueryParam("ticket_id", equalTo("32"))
                .withQueryParam("cursor", absent())
                .willReturn(okJson("""
                        {"object": "list", "data": [{"id": 320, "ticket_id": 32}], "meta": {"next_cursor": "c2"}}""")));
        UPSTREAM.server().stubFor(get(urlPathEqualTo("/api/messages")).withQueryParam("ticket_id", equalTo("32"))
                .withQueryParam("cursor", equalTo("c2"))
                .willReturn(okJson("""
                        {"object": "list", "data": [{"id": 321, "ticket_id": 32}], "meta": {"next_cursor": null}}""")));
        UPSTREAM.server().stubFor(get(urlEqualTo("/api/tickets/33")).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/json").withBody("{\"error\": {\"msg\": \"Resource not found.\"}}")));
        UPSTREAM.server().stubFor(get(urlEqualTo("/api/tickets/34")).willReturn(aResponse().withStatus(429)
                .withHeader("Retry-After", "3")));
        GorgiasClient client = client(UpstreamTesting.settings());

        assertThat(client.ticket(t, 31)).isInstanceOfSatisfying(UpstreamResult.Ok.class, ok -> {
            com.fasterxml.jackson.databind.JsonNode ticket = ((Optional<?>) ok.value()).map(
                    com.fasterxml.jackson.databind.JsonNode.class::cast).orElseThrow();
            assertThat(ticket.at("/messages/0/body_text").asText()).isEqualTo("#1001?");
        });
        UPSTREAM.server().verify(0, getRequestedFor(urlPathEqualTo("/api/messages"))
                .withQueryParam("ticket_id", equalTo("31")));
        assertThat(client.ticket(t, 32)).isInstanceOfSatisfying(UpstreamResult.Ok.class, ok -> {
            com.fasterxml.jackson.databind.JsonNode ticket = ((Optional<?>) ok.value()).map(
                    com.fasterxml.jackson.databind.JsonNode.class::cast).orElseThrow();
            assertThat(ticket.get("messages").findValuesAsText("id")).containsExactly("320", "321");
        });
        UPSTREAM.server().verify(getRequestedFor(urlPathEqualTo("/api/messages"))
                .withQueryParam("order_by", equalTo("created_datetime:asc")));
        assertThat(client.ticket(t, 33)).isEqualTo(new UpstreamResult.Ok<>(Optional.empty()));
        assertThat(client.ticket(t, 34)).isInstanceOfSatisfying(UpstreamResult.RetryLater.class,
                r -> assertThat(r.after()).isEqualTo(Duration.ofSeconds(3)));
    }
}
