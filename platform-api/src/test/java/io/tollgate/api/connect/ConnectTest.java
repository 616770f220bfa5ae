package io.tollgate.api.connect;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.Webhooks;
import io.tollgate.api.connect.ConnectFixture.Options;
import io.tollgate.api.connect.ConnectFixture.Tenant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One-call connect against Gorgias and Shopify played by {@link FakeUpstreams} (a real local HTTP server with state),
 * a real PostgreSQL and the gateway started as production starts it (upstream base URLs overridden per tenant). Every
 * answer is checked against every credential and webhook secret known so far, and the log lines at the end.
 */
class ConnectTest {
    private static final List<String> TOPICS = List.of("ORDERS_CREATE", "ORDERS_UPDATED", "ORDERS_FULFILLED",
                                                       "CUSTOMERS_UPDATE",
                                                       "APP_UNINSTALLED");

    @RegisterExtension
    static final ConnectFixture GW = new ConnectFixture(Map.of());

    // --- the tests ------------------------------------------------------------------------------------------------

    @Test
    void connectingTwiceLeavesOneIntegrationAndOneSubscriptionPerTopic() throws Exception {
        Tenant t = tenant("twice-shop", Options.standard());
        // other apps' integrations in the same account (and enough of them that the list spans pages)
        for (int i = 0; i < 3; i++) {
            GW.fake().addIntegration(t.account(), "https://elsewhere.example/hook/" + i, Map.of("X-Other", "v" + i),
                                List.of("ticket-updated"));
        }

        JsonNode first = connect(t, null, 200);
        assertThat(first.get("status").asText()).as(first.toString()).isEqualTo("ok");
        assertThat(steps(first.get("gorgias"))).containsExactly("verify_credentials ok", "integration created");
        assertThat(steps(first.get("shopify"))).containsExactly(
                "verify_token ok", "shop_domain ok", "subscription ORDERS_CREATE created",
                "subscription ORDERS_UPDATED created", "subscription ORDERS_FULFILLED created",
                "subscription CUSTOMERS_UPDATE created",
                "subscription APP_UNINSTALLED created");
        assertThat(first.get("gorgias").get("webhook_url").asText()).isEqualTo(t.gorgiasUrl());
        assertThat(first.get("shopify").get("webhook_url").asText()).isEqualTo(t.shopifyUrl());
        assertThat(first.get("notes").toString()).contains("customers/redact").contains("app's configuration");

        JsonNode ours = ourIntegration(t);
        assertThat(ours.path("http").path("method").asText()).isEqualTo("POST");
        assertThat(ours.path("http").path("request_content_type").asText()).isEqualTo("application/json");
        assertThat(ours.path("http").path("headers").path("X-Tollgate-Token").asText()).isEqualTo(t.gorgiasSecret());
        // the agreed flat form, stored by a server that refuses any other shape
        assertThat(ours.path("http").path("form").isObject()).isTrue();
        assertThat(ours.path("http").path("form").path("ticket_id").asText()).isEqualTo("{{ticket.id}}");
        assertThat(ours.path("http").path("form").path("message_id").asText())
                .isEqualTo("{{ticket.messages[-1].id}}");
        assertThat(ours.path("http").path("form").path("customer_email").asText())
                .isEqualTo("{{ticket.customer.email}}");
        assertThat(ours.path("http").path("triggers").path("ticket-created").asBoolean()).isTrue();
        assertThat(ours.path("http").path("triggers").path("ticket-message-created").asBoolean()).isTrue();
        assertThat(first.get("gorgias").get("steps").get(1).get("id").asText()).isEqualTo(ours.get("id").asText());

        JsonNode second = connect(t, "{}", 200);
        assertThat(second.get("status").asText()).as(second.toString()).isEqualTo("ok");
        assertThat(steps(second.get("gorgias"))).containsExactly("verify_credentials ok", "integration unchanged");
        assertThat(steps(second.get("shopify"))).containsExactly(
                "verify_token ok", "shop_domain ok", "subscription ORDERS_CREATE unchanged",
                "subscription ORDERS_UPDATED unchanged", "subscription ORDERS_FULFILLED unchanged",
                "subscription CUSTOMERS_UPDATE unchanged",
                "subscription APP_UNINSTALLED unchanged");

        assertThat(GW.fake().integrations(t.account())).filteredOn(i -> i.path("http").path("url").asText()
                .equals(t.gorgiasUrl())).hasSize(1);
        assertThat(GW.fake().integrations(t.account())).hasSize(4);
        List<JsonNode> subs = GW.fake().subscriptions(t.shop());
        assertThat(subs).hasSize(TOPICS.size());
        assertThat(subs).extracting(s -> s.get("topic").asText()).containsExactlyInAnyOrderElementsOf(TOPICS);
        assertThat(subs).allSatisfy(s -> {
            assertThat(s.get("url").asText()).isEqualTo(t.shopifyUrl());
            assertThat(s.get("format").asText()).isEqualTo("JSON");
        });

        assertThat(row(t.slug(), "gorgias")).isEqualTo("ok|-|{\"integration\": \"" + ours.get("id").asText()
                                                               + "\"}|" + t.gorgiasUrl() + "|connected");
        assertThat(row(t.slug(), "shopify")).startsWith("ok|-|{").endsWith("|" + t.shopifyUrl() + "|connected");
    }

    @Test
    void anIntegrationWithTheOldContextFormIsUpdatedToTheFlatForm() throws Exception {
        Tenant t = tenant("oldform-shop", Options.standard());
        JsonNode first = connect(t, "{\"providers\": [\"gorgias\"]}", 200);
        assertThat(steps(first.get("gorgias"))).containsExactly("verify_credentials ok", "integration created");
        long id = Long.parseLong(first.get("gorgias").get("steps").get(1).get("id").asText());
        // as an earlier Tollgate created it: the whole context as a string template
        GW.fake().setForm(t.account(), id, com.fasterxml.jackson.databind.node.TextNode.valueOf("{{context}}"));

        JsonNode again = connect(t, "{\"providers\": [\"gorgias\"]}", 200);
        assertThat(again.get("status").asText()).as(again.toString()).isEqualTo("ok");
        assertThat(steps(again.get("gorgias"))).containsExactly("verify_credentials ok", "integration updated");
        assertThat(again.get("gorgias").get("steps").get(1).get("id").asText()).isEqualTo(Long.toString(id));
        assertThat(GW.fake().integrations(t.account())).singleElement().satisfies(i -> {
            assertThat(i.at("/http/form").isObject()).isTrue();
            assertThat(i.at("/http/form/ticket_id").asText()).isEqualTo("{{ticket.id}}");
            assertThat(i.at("/http/form/message_body_text").asText())
                    .isEqualTo("{{ticket.messages[-1].body_text}}");
        });

        // and a third connect leaves it alone
        JsonNode third = connect(t, "{\"providers\": [\"gorgias\"]}", 200);
        assertThat(steps(third.get("gorgias"))).containsExactly("verify_credentials ok", "integration unchanged");
    }

    @Test
    void anIntegrationAlreadyPostingToTollgateIsUpdatedNotDuplicated() throws Exception {
        Tenant t = tenant("byhand-shop", Options.standard());
        long byHand = GW.fake().addIntegration(t.account(), t.gorgiasUrl() + "/",
                                               Map.of("X-Tollgate-Token", "old-value", "X-Keep", "kept"),
                                               List.of("ticket-created"));

        JsonNode answer = connect(t, "{\"providers\": [\"gorgias\"]}", 200);
        assertThat(answer.get("status").asText()).isEqualTo("ok");
        assertThat(answer.has("shopify")).isFalse();
        assertThat(steps(answer.get("gorgias"))).containsExactly("verify_credentials ok", "integration updated");
        assertThat(answer.get("gorgias").get("steps").get(1).get("id").asText()).isEqualTo(Long.toString(byHand));
        assertThat(GW.fake().integrations(t.account())).hasSize(1);
        JsonNode http = GW.fake().integrations(t.account()).getFirst().get("http");
        assertThat(http.path("headers").path("X-Tollgate-Token").asText()).isEqualTo(t.gorgiasSecret());
        assertThat(http.path("headers").path("X-Keep").asText()).isEqualTo("kept");
        assertThat(http.path("triggers").path("ticket-message-created").asBoolean()).isTrue();
        assertThat(http.path("url").asText()).isEqualTo(t.gorgiasUrl());
        // nothing was asked of Shopify
        assertThat(GW.fake().subscriptions(t.shop())).isEmpty();
        assertThat(GW.count("SELECT count(*) FROM connections c JOIN tenants t ON t.id = c.tenant_id WHERE t.slug = ?",
                         t.slug())).isEqualTo(1);
    }

    @Test
    void aWrongGorgiasKeyIsNamedWithTheUpstreams401AndShopifyStillConnects() throws Exception {
        Tenant t = tenant("wrongkey-shop", Options.standard().withoutGorgiasAccount());

        JsonNode answer = connect(t, null, 200);
        assertThat(answer.get("status").asText()).as(answer.toString()).isEqualTo("partial");
        JsonNode g = answer.get("gorgias");
        assertThat(g.get("status").asText()).isEqualTo("failed");
        JsonNode verify = g.get("steps").get(0);
        assertThat(verify.get("step").asText()).isEqualTo("verify_credentials");
        assertThat(verify.get("status").asText()).isEqualTo("failed");
        assertThat(verify.get("upstream_status").asInt()).isEqualTo(401);
        assertThat(verify.get("detail").asText()).contains("gorgias HTTP 401").contains("Authentication required");
        assertThat(steps(g)).containsExactly("verify_credentials failed", "integration skipped");
        assertThat(answer.get("shopify").get("status").asText()).isEqualTo("ok");
        assertThat(GW.fake().subscriptions(t.shop())).hasSize(TOPICS.size());

        assertThat(row(t.slug(), "gorgias")).startsWith("broken|verify_credentials failed: gorgias HTTP 401")
                .endsWith("|{}|" + t.gorgiasUrl() + "|never");
        assertThat(row(t.slug(), "shopify")).startsWith("ok|");
        // answered 200, but the audit log says how it really ended
        assertThat(auditOutcomes(t.slug(), "tenant.connect")).containsExactly("partial");
    }

    @Test
    void aShopThatIsNotTheTenantsIsReportedAndNothingIsSubscribed() throws Exception {
        Tenant t = tenant("mismatch-shop", Options.standard().withShop("other-shop.myshopify.com"));

        JsonNode answer = connect(t, "{\"providers\": [\"shopify\"]}", 200);
        assertThat(answer.get("status").asText()).isEqualTo("failed");
        JsonNode s = answer.get("shopify");
        assertThat(steps(s)).containsExactly("verify_token ok", "shop_domain failed",
                                             "subscription ORDERS_CREATE skipped",
                                             "subscription ORDERS_UPDATED skipped",
                                             "subscription ORDERS_FULFILLED skipped",
                                             "subscription CUSTOMERS_UPDATE skipped",
                                             "subscription APP_UNINSTALLED skipped");
        assertThat(s.get("steps").get(1).get("detail").asText())
                .contains("other-shop.myshopify.com").contains("mismatch-shop.myshopify.com");
        assertThat(GW.fake().subscriptions("other-shop.myshopify.com")).isEmpty();
        assertThat(row(t.slug(), "shopify")).startsWith("broken|shop_domain failed: the access token is for "
                                                                + "other-shop.myshopify.com");
        assertThat(auditOutcomes(t.slug(), "tenant.connect")).containsExactly("failure");
    }

    @Test
    void aWrongShopifyTokenIsNamedWithTheUpstreams401() throws Exception {
        Tenant t = tenant("badtoken-shop", Options.standard().withoutShop());

        JsonNode answer = connect(t, "{\"providers\": [\"shopify\", \"gorgias\"]}", 200);
        assertThat(answer.get("status").asText()).isEqualTo("partial");
        JsonNode verify = answer.get("shopify").get("steps").get(0);
        assertThat(verify.get("step").asText()).isEqualTo("verify_token");
        assertThat(verify.get("upstream_status").asInt()).isEqualTo(401);
        assertThat(verify.get("detail").asText()).contains("shopify HTTP 401").contains("Invalid API key");
        assertThat(answer.get("gorgias").get("status").asText()).isEqualTo("ok");
    }

    @Test
    void olderShopifyApiVersionsSubscribeWithCallbackUrl() throws Exception {
        Tenant t = tenant("legacy-shop", Options.standard().withApiVersion("2025-07"));

        JsonNode answer = connect(t, "{\"providers\": [\"shopify\"]}", 200);
        assertThat(answer.get("status").asText()).as(answer.toString()).isEqualTo("ok");
        assertThat(GW.fake().subscriptions(t.shop())).hasSize(TOPICS.size());
        JsonNode again = connect(t, "{\"providers\": [\"shopify\"]}", 200);
        assertThat(steps(again.get("shopify"))).filteredOn(s -> s.startsWith("subscription"))
                .allSatisfy(s -> assertThat(s).endsWith("unchanged"));
        assertThat(GW.fake().subscriptions(t.shop())).hasSize(TOPICS.size());
    }

    @Test
    void creatingWithConnectTrueConnectsInTheSameCall() throws Exception {
        Options o = Options.standard();
        Tenant t = GW.register("oncall-shop", o);
        HttpResponse<String> res = GW.admin("POST", "/admin/tenants", GW.createBody(t, true));
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
        JsonNode created = Webhooks.json(res.body());
        t = GW.withSecret(t, created.get("gorgias_webhook_secret").asText());
        assertThat(created.get("connect").get("status").asText()).as(res.body()).isEqualTo("ok");
        assertThat(steps(created.get("connect").get("gorgias"))).containsExactly("verify_credentials ok",
                                                                                  "integration created");
        assertThat(ourIntegration(t).path("http").path("headers").path("X-Tollgate-Token").asText())
                .isEqualTo(t.gorgiasSecret());
        assertThat(GW.fake().subscriptions(t.shop())).hasSize(TOPICS.size());
        // the plain answers never carry a connect result
        assertThat(Webhooks.json(GW.admin("GET", "/admin/tenants/" + t.slug(), null).body()).has("connect")).isFalse();
        assertThat(GW.count("SELECT count(*) FROM audit_log WHERE action = 'tenant.create' AND tenant_slug = ?"
                                 + " AND target = 'connect' AND status = 201", t.slug())).isEqualTo(1);
        assertThat(auditOutcomes(t.slug(), "tenant.create")).containsExactly("success");
    }

    @Test
    void rotatingTheGorgiasSecretUpdatesTheIntegrationsHeaderUpstream() throws Exception {
        Tenant t = tenant("rotate-shop", Options.standard());
        connect(t, null, 200);
        assertThat(ourIntegration(t).path("http").path("headers").path("X-Tollgate-Token").asText())
                .isEqualTo(t.gorgiasSecret());

        HttpResponse<String> res = GW.admin("POST", "/admin/tenants/" + t.slug() + "/secrets/rotate",
                                         "{\"provider\": \"gorgias\", \"grace_seconds\": 60}");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        JsonNode rotated = Webhooks.json(res.body());
        String next = rotated.get("gorgias_webhook_secret").asText();
        GW.secrets().add(next);
        assertThat(next).isNotEqualTo(t.gorgiasSecret());
        assertThat(rotated.get("gorgias_integration").get("status").asText()).as(res.body()).isEqualTo("updated");
        assertThat(rotated.get("gorgias_integration").get("id").asText()).isEqualTo(ourIntegration(t).get("id")
                                                                                         .asText());
        assertThat(ourIntegration(t).path("http").path("headers").path("X-Tollgate-Token").asText()).isEqualTo(next);
        assertThat(GW.fake().integrations(t.account())).hasSize(1);

        // a connect afterwards finds it as it should be
        JsonNode again = connect(t, "{\"providers\": [\"gorgias\"]}", 200);
        assertThat(steps(again.get("gorgias"))).containsExactly("verify_credentials ok", "integration unchanged");

        // a tenant that never connected: nothing upstream to update, and the answer says so
        Tenant plain = tenant("rotate-plain-shop", Options.standard());
        JsonNode unconnected = Webhooks.json(GW.admin("POST", "/admin/tenants/" + plain.slug() + "/secrets/rotate",
                                                   "{\"provider\": \"gorgias\"}").body());
        GW.secrets().add(unconnected.get("gorgias_webhook_secret").asText());
        assertThat(unconnected.get("gorgias_integration").get("status").asText()).isEqualTo("not_connected");
        assertThat(GW.fake().integrations(plain.account())).isEmpty();
    }

    @Test
    void aRotationWhoseIntegrationVanishedMarksTheConnectionBroken() throws Exception {
        Tenant t = tenant("vanish-shop", Options.standard());
        connect(t, "{\"providers\": [\"gorgias\"]}", 200);
        long id = ourIntegration(t).get("id").asLong();
        // removed in Gorgias by someone
        GW.fake().server.resetRequests();
        HttpResponse<String> gone = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(
                                java.net.URI.create(GW.fake().baseUrl() + "/api/integrations/" + id))
                        .header("Authorization", "Basic " + FakeUpstreams.basic(t.username(), t.apiKey()))
                        .DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(gone.statusCode()).isEqualTo(204);

        JsonNode rotated = Webhooks.json(GW.admin("POST", "/admin/tenants/" + t.slug() + "/secrets/rotate",
                                               "{\"provider\": \"gorgias\"}").body());
        GW.secrets().add(rotated.get("gorgias_webhook_secret").asText());
        assertThat(rotated.get("gorgias_integration").get("status").asText()).isEqualTo("failed");
        assertThat(rotated.get("gorgias_integration").get("detail").asText()).contains("no longer exists");
        assertThat(row(t.slug(), "gorgias")).startsWith("broken|secret rotation: integration failed");

        // connecting again repairs it
        JsonNode repaired = connect(t, "{\"providers\": [\"gorgias\"]}", 200);
        assertThat(steps(repaired.get("gorgias"))).containsExactly("verify_credentials ok", "integration created");
        assertThat(row(t.slug(), "gorgias")).startsWith("ok|-|");
    }

    @Test
    void subscriptionsMadeForAnEarlierUrlAreReplacedNotDoubled() throws Exception {
        Tenant t = tenant("moved-shop", Options.standard());
        assertThat(connect(t, null, 200).get("status").asText()).isEqualTo("ok");
        // as if connected while TOLLGATE_PUBLIC_URL was another address; plus a merchant's own subscription
        String earlier = "https://old-hooks.tollgate.test/webhooks/" + t.slug() + "/shopify";
        assertThat(GW.fake().moveSubscriptions(t.shop(), t.shopifyUrl(), earlier)).isEqualTo(TOPICS.size());
        String merchants = GW.fake().addSubscription(t.shop(), "ORDERS_CREATE", "https://merchant.example/orders");
        GW.fake().refuseDeletes(t.shop(), true);

        JsonNode refused = connect(t, "{\"providers\": [\"shopify\"]}", 200);
        // the topics are subscribed at the current URL; the old ones could not go, so the connect is not done yet
        assertThat(refused.get("shopify").get("status").asText()).as(refused.toString()).isEqualTo("failed");
        assertThat(steps(refused.get("shopify"))).containsSubsequence(
                "subscription ORDERS_CREATE created", "subscription APP_UNINSTALLED created",
                "old_subscription ORDERS_CREATE failed", "old_subscription APP_UNINSTALLED failed");
        assertThat(GW.fake().subscriptions(t.shop())).hasSize(2 * TOPICS.size() + 1);
        assertThat(oldKeys(t)).isEqualTo(TOPICS.size());

        // the URL changes once more before the deletes work: both generations stay on record
        String between = "https://between-hooks.tollgate.test/webhooks/" + t.slug() + "/shopify";
        assertThat(GW.fake().moveSubscriptions(t.shop(), t.shopifyUrl(), between)).isEqualTo(TOPICS.size());
        JsonNode again = connect(t, "{\"providers\": [\"shopify\"]}", 200);
        assertThat(steps(again.get("shopify"))).filteredOn(s -> s.startsWith("old_subscription"))
                .hasSize(2 * TOPICS.size()).allMatch(s -> s.endsWith(" failed"));
        assertThat(oldKeys(t)).isEqualTo(2 * TOPICS.size());

        GW.fake().refuseDeletes(t.shop(), false);
        JsonNode retried = connect(t, "{\"providers\": [\"shopify\"]}", 200);
        assertThat(retried.get("status").asText()).as(retried.toString()).isEqualTo("ok");
        assertThat(steps(retried.get("shopify"))).filteredOn(s -> s.startsWith("old_subscription"))
                .hasSize(2 * TOPICS.size()).allMatch(s -> s.endsWith(" deleted"));
        List<JsonNode> subs = GW.fake().subscriptions(t.shop());
        assertThat(subs).filteredOn(s -> s.get("url").asText().equals(t.shopifyUrl())).hasSize(TOPICS.size());
        assertThat(subs).noneMatch(s -> s.get("url").asText().equals(earlier) || s.get("url").asText().equals(between));
        assertThat(subs).extracting(s -> s.get("id").asText()).contains(merchants);
        assertThat(subs).hasSize(TOPICS.size() + 1);
        assertThat(oldKeys(t)).isZero();
        assertThat(row(t.slug(), "shopify")).doesNotContain(merchants);

        JsonNode settled = connect(t, "{\"providers\": [\"shopify\"]}", 200);
        assertThat(steps(settled.get("shopify"))).noneMatch(s -> s.startsWith("old_subscription"))
                .filteredOn(s -> s.startsWith("subscription")).allMatch(s -> s.endsWith(" unchanged"));
    }

    @Test
    void deletingATenantAlsoDeletesSubscriptionsStillPendingAtAnEarlierUrl() throws Exception {
        Tenant t = tenant("pending-shop", Options.standard());
        assertThat(connect(t, null, 200).get("status").asText()).isEqualTo("ok");
        GW.fake().moveSubscriptions(t.shop(), t.shopifyUrl(),
                               "https://old-hooks.tollgate.test/webhooks/pending-shop/shopify");
        String merchants = GW.fake().addSubscription(t.shop(), "ORDERS_UPDATED", "https://merchant.example/updates");
        GW.fake().refuseDeletes(t.shop(), true);
        connect(t, "{\"providers\": [\"shopify\"]}", 200);
        assertThat(oldKeys(t)).isEqualTo(TOPICS.size());
        GW.fake().refuseDeletes(t.shop(), false);

        HttpResponse<String> res = GW.admin("DELETE", "/admin/tenants/" + t.slug(), null);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(204);
        assertThat(GW.fake().subscriptions(t.shop())).extracting(s -> s.get("id").asText()).containsExactly(merchants);
        assertThat(GW.logs().lines()).anySatisfy(l -> assertThat(l)
                .contains("tenant pending-shop disconnected before deletion").contains("old_subscription"));
    }

    /** How many subscriptions at an earlier URL the tenant's Shopify connection still has on record to delete. */
    private static int oldKeys(Tenant t) throws SQLException {
        String ids = row(t.slug(), "shopify");
        return ids.split("\"old:gid://shopify/WebhookSubscription/", -1).length - 1;
    }

    @Test
    void deletingAConnectedTenantRemovesItsIntegrationAndSubscriptionsUpstream() throws Exception {
        Tenant t = tenant("delete-shop", Options.standard());
        GW.fake().addIntegration(t.account(), "https://elsewhere.example/keep", Map.of(), List.of("ticket-created"));
        connect(t, null, 200);
        assertThat(GW.fake().integrations(t.account())).hasSize(2);
        assertThat(GW.fake().subscriptions(t.shop())).hasSize(TOPICS.size());

        HttpResponse<String> res = GW.admin("DELETE", "/admin/tenants/" + t.slug(), null);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(204);

        assertThat(GW.fake().integrations(t.account())).extracting(i -> i.path("http").path("url").asText())
                .containsExactly("https://elsewhere.example/keep");
        assertThat(GW.fake().subscriptions(t.shop())).isEmpty();
        assertThat(GW.count("SELECT count(*) FROM tenants WHERE slug = ?", t.slug())).isZero();
        assertThat(GW.count("SELECT count(*) FROM connections c WHERE NOT EXISTS"
                                 + " (SELECT 1 FROM tenants t WHERE t.id = c.tenant_id)")).isZero();
        assertThat(GW.logs().lines()).anySatisfy(l -> assertThat(l).contains("tenant delete-shop disconnected before "
                                                                                + "deletion").contains("deleted"));
    }

    @Test
    void anUninstalledShopIsNotCalled() throws Exception {
        Tenant t = tenant("gone-shop", Options.standard());
        try (Connection c = GW.db().connect(); PreparedStatement ps = c.prepareStatement(
                "UPDATE shopify_credentials SET disabled_at = now() WHERE tenant_id = (SELECT id FROM tenants"
                        + " WHERE slug = ?)")) {
            ps.setString(1, t.slug());
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        GW.fake().server.resetRequests();
        JsonNode answer = connect(t, "{\"providers\": [\"shopify\"]}", 200);
        assertThat(answer.get("shopify").get("steps").get(0).get("status").asText()).isEqualTo("skipped");
        assertThat(answer.get("shopify").get("steps").get(0).get("detail").asText()).contains("uninstalled");
        assertThat(GW.fake().server.getAllServeEvents()).isEmpty();
    }

    @Test
    void aCreationWhoseConnectFailedIsAuditedAsPartialAndAFailedConnectAsAFailure() throws Exception {
        Tenant t = GW.register("halfmade-shop", Options.standard().withoutGorgiasAccount().withoutShop());
        HttpResponse<String> res = GW.admin("POST", "/admin/tenants", GW.createBody(t, true));
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
        assertThat(Webhooks.json(res.body()).get("connect").get("status").asText()).isEqualTo("failed");
        // the tenant was made, its connect was not
        assertThat(auditOutcomes(t.slug(), "tenant.create")).containsExactly("partial");

        assertThat(connect(t, null, 200).get("status").asText()).isEqualTo("failed");
        assertThat(auditOutcomes(t.slug(), "tenant.connect")).containsExactly("failure");
    }

    @Test
    void connectBodiesAreValidatedAndAudited() throws Exception {
        Tenant t = tenant("valid-shop", Options.standard());
        HttpResponse<String> bad = GW.admin("POST", "/admin/tenants/" + t.slug() + "/connect",
                                         "{\"providers\": [\"gorgias\", \"zendesk\", \"gorgias\"]}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(Webhooks.json(bad.body()).get("errors").findValuesAsText("field"))
                .containsExactly("providers[1]", "providers[2]");
        assertThat(GW.admin("POST", "/admin/tenants/" + t.slug() + "/connect", "{\"providers\": []}").statusCode())
                .isEqualTo(400);
        assertThat(GW.admin("POST", "/admin/tenants/" + t.slug() + "/connect", "{\"other\": 1}").statusCode())
                .isEqualTo(400);
        assertThat(GW.admin("POST", "/admin/tenants/no-such-shop/connect", null).statusCode()).isEqualTo(404);
        HttpResponse<String> createBad = GW.admin("POST", "/admin/tenants",
                                               GW.createBody(t, true)
                                                       .replace("\"connect\": true", "\"connect\": \"yes\""));
        assertThat(createBad.statusCode()).isEqualTo(400);
        assertThat(Webhooks.json(createBad.body()).get("errors").findValuesAsText("field")).containsExactly("connect");

        connect(t, "{\"providers\": [\"gorgias\"]}", 200);
        assertThat(GW.count("SELECT count(*) FROM audit_log WHERE action = 'tenant.connect' AND tenant_slug = ?"
                                 + " AND target = 'gorgias' AND status = 200", t.slug())).isEqualTo(1);
        assertThat(GW.count("SELECT count(*) FROM audit_log WHERE action = 'tenant.connect' AND tenant_slug = ?"
                                 + " AND status = 400", t.slug())).isEqualTo(3);
    }

    @Test
    void aConnectRunningElsewhereIsAnswered409() throws Exception {
        Tenant t = tenant("busy-shop", Options.standard());
        try (Connection c = GW.db().connect(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO connections (tenant_id, provider, lease_until) SELECT id, 'shopify', now() + interval"
                        + " '1 minute' FROM tenants WHERE slug = ?")) {
            ps.setString(1, t.slug());
            ps.executeUpdate();
        }
        GW.fake().server.resetRequests();
        HttpResponse<String> res = GW.admin("POST", "/admin/tenants/" + t.slug() + "/connect", null);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(409);
        assertThat(res.body()).contains("connect-in-progress");
        assertThat(GW.fake().server.getAllServeEvents()).isEmpty();
        // the gorgias lease taken before the refusal was given back: gorgias alone connects at once
        assertThat(connect(t, "{\"providers\": [\"gorgias\"]}", 200).get("status").asText()).isEqualTo("ok");
    }

    @Test
    void noCredentialOrWebhookSecretInAnyAnswerOrLogLine() throws Exception {
        // an upstream that echoes the request body (with the X-Tollgate-Token) in its error
        Tenant echo = tenant("echo-shop", Options.standard());
        GW.fake().refuseIntegrationWrites(echo.account());
        JsonNode answer = connect(echo, null, 200);
        JsonNode step = answer.get("gorgias").get("steps").get(1);
        assertThat(step.get("upstream_status").asInt()).as(answer.toString()).isEqualTo(400);
        assertThat(step.get("detail").asText()).contains("X-Tollgate-Token").contains("***")
                .doesNotContain(echo.gorgiasSecret());

        Tenant wrong = tenant("leak-shop", Options.standard().withoutGorgiasAccount().withoutShop());
        connect(wrong, null, 200);
        Tenant ok = tenant("cycle-shop", Options.standard());
        connect(ok, null, 200);
        JsonNode rotated = Webhooks.json(GW.admin("POST", "/admin/tenants/" + ok.slug() + "/secrets/rotate",
                                               "{\"provider\": \"gorgias\"}").body());
        GW.secrets().add(rotated.get("gorgias_webhook_secret").asText());
        assertThat(GW.admin("DELETE", "/admin/tenants/" + ok.slug(), null).statusCode()).isEqualTo(204);
        assertThat(GW.admin("DELETE", "/admin/tenants/" + wrong.slug(), null).statusCode()).isEqualTo(204);

        // the gateway's lines: the fake upstream (WireMock's Jetty, in this JVM) logs the requests it receives
        List<String> lines = GW.logs().records().stream()
                .filter(r -> !r.path("logger").asText().startsWith("org.eclipse.jetty")
                        && !r.path("logger").asText().contains("wiremock"))
                .map(JsonNode::toString).toList();
        assertThat(lines).hasSizeGreaterThan(100);
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("upstream call failed").contains("leak-shop"));
        for (String secret : GW.secrets()) {
            assertThat(lines).as("log lines").noneSatisfy(l -> assertThat(l).contains(secret));
        }
    }

    // --- helpers ----------------------------------------------------------------------------------------------------

    private static Tenant tenant(String slug, Options o) {
        Tenant t = GW.register(slug, o);
        HttpResponse<String> res = GW.admin("POST", "/admin/tenants", GW.createBody(t, false));
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
        return GW.withSecret(t, Webhooks.json(res.body()).get("gorgias_webhook_secret").asText());
    }

    /** The outcomes of the tenant's audit rows for {@code action}, newest first, as operators read them. */
    private static List<String> auditOutcomes(String slug, String action) {
        HttpResponse<String> res = GW.admin("GET", "/admin/audit?tenant=" + slug, null);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        Webhooks.json(res.body()).get("items").forEach(e -> {
            if (action.equals(e.get("action").asText())) {
                out.add(e.get("outcome").asText());
            }
        });
        return out;
    }

    private static JsonNode connect(Tenant t, String body, int status) {
        HttpResponse<String> res = GW.admin("POST", "/admin/tenants/" + t.slug() + "/connect", body);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(status);
        return Webhooks.json(res.body());
    }

    /** "step status" or "step TOPIC status" of each step of a provider's answer. */
    private static List<String> steps(JsonNode provider) {
        List<String> out = new ArrayList<>();
        provider.get("steps").forEach(s -> out.add(s.get("step").asText()
                                                           + (s.has("topic") ? " " + s.get("topic").asText() : "")
                                                           + " " + s.get("status").asText()));
        return out;
    }

    private static JsonNode ourIntegration(Tenant t) {
        List<JsonNode> ours = GW.fake().integrations(t.account()).stream()
                .filter(i -> i.path("http").path("url").asText().equals(t.gorgiasUrl())).toList();
        assertThat(ours).hasSize(1);
        return ours.getFirst();
    }

    /** "status|reason-or-dash|upstream_ids|webhook_url|connected-or-never" of a connection row. */
    private static String row(String slug, String provider) throws SQLException {
        try (Connection c = GW.db().connect(); PreparedStatement ps = c.prepareStatement("""
                SELECT c.status, coalesce(c.reason, '-'), c.upstream_ids::text, c.webhook_url,
                       CASE WHEN c.connected_at IS NULL THEN 'never' ELSE 'connected' END,
                       c.checked_at IS NOT NULL, c.lease_until IS NULL
                FROM connections c JOIN tenants t ON t.id = c.tenant_id WHERE t.slug = ? AND c.provider = ?""")) {
            ps.setString(1, slug);
            ps.setString(2, provider);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("a %s connection of %s", provider, slug).isTrue();
                assertThat(rs.getBoolean(6)).as("checked_at set").isTrue();
                assertThat(rs.getBoolean(7)).as("lease released").isTrue();
                return rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getString(4)
                        + "|" + rs.getString(5);
            }
        }
    }
}
