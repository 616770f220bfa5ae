package io.tollgate.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.api.observe.Exposition;
import io.tollgate.api.standin.StandIn;
import io.tollgate.tenant.Secret;
import io.tollgate.tenant.verify.HmacVerifier;
import io.tollgate.tenant.verify.WebhookVerifier;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Onboards tenants through the admin API and sends them signed deliveries, as Shopify and Gorgias would. */
public final class Webhooks {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HmacVerifier GORGIAS_HMAC = new HmacVerifier("X-Gorgias-Signature",
                                                                      HmacVerifier.Encoding.HEX, "sha256=");

    private Webhooks() {
    }

    /** A tenant as a test knows it: its slug, shop domain, Shopify secret and the generated Gorgias secret. */
    public record TestTenant(String slug, String shopDomain, String shopifySecret, String gorgiasSecret) {
    }

    /** Creates a tenant over HTTP; {@code limits} is a JSON object or null. */
    public static TestTenant create(Tollgate server, String slug, String shopifySecret, String limits) {
        String body = tenantJson(slug, shopifySecret, limits);
        HttpResponse<String> res = TestServers.send(HttpRequest.newBuilder(TestServers.uri(server, "/admin/tenants"))
                .header("Authorization", "Bearer " + TestServers.ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        if (res.statusCode() != 201) {
            throw new AssertionError("could not create " + slug + ": " + res.body());
        }
        return new TestTenant(slug, slug + ".myshopify.com", shopifySecret, json(res.body()).get(
                "gorgias_webhook_secret").asText());
    }

    /** The body of {@code POST /admin/tenants} for a test tenant; {@code limits} is a JSON object or null. */
    public static String tenantJson(String slug, String shopifySecret, String limits) {
        return """
                {"slug": "%1$s", "name": "Shop %1$s",
                 "gorgias": {"domain": "%2$s", "username": "agent@%1$s.example", "api_key": "gk-%1$s-0123456789"},
                 "shopify": {"shop_domain": "%1$s.myshopify.com", "access_token": "shpat_%1$s_0123456789",
                             "webhook_secret": "%3$s"}%4$s}""".formatted(
                slug, slug.replace("-", ""), shopifySecret, limits == null ? "" : ", \"limits\": " + limits);
    }

    public static HttpResponse<String> admin(Tollgate server, String method, String path, String body) {
        return TestServers.send(HttpRequest.newBuilder(TestServers.uri(server, path))
                                        .header("Authorization", "Bearer " + TestServers.ADMIN_TOKEN)
                                        .header("Content-Type", "application/json")
                                        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                                                : HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** The stand-in's Gorgias ticket at {@code base}, as its API answers it (with the stand-in's credentials). */
    public static String standInTicket(String base) throws Exception {
        String basic = Base64.getEncoder().encodeToString((StandIn.GORGIAS_USERNAME + ":" + StandIn.GORGIAS_API_KEY)
                                                                  .getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(base + "/api/tickets/" + StandIn.TICKET_ID))
                        .header("Authorization", "Basic " + basic).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    /** A tenant's event's detail from the admin API once it is no longer accepted or processing (or after 60 s). */
    public static JsonNode eventDetailWhenDone(Tollgate server, String slug, String eventId) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        JsonNode detail;
        do {
            HttpResponse<String> r = admin(server, "GET", "/admin/tenants/" + slug + "/events/" + eventId, null);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            detail = json(r.body());
            String status = detail.path("event").path("status").asText();
            if (!status.equals("accepted") && !status.equals("processing")) {
                return detail;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < until);
        return detail;
    }

    public static String shopifyHmac(String secret, byte[] body) {
        return ((HmacVerifier) WebhookVerifier.SHOPIFY).sign(Secret.of(secret), body);
    }

    public static String gorgiasHmac(String secret, byte[] body) {
        return GORGIAS_HMAC.sign(Secret.of(secret), body);
    }

    /** A Shopify delivery signed with the tenant's secret; extra headers override the defaults. */
    public static HttpResponse<String> shopify(Tollgate server, TestTenant t, byte[] body, String topic,
                                               String eventId, String... extra) {
        List<String> h = new ArrayList<>(List.of(
                "X-Shopify-Hmac-Sha256", shopifyHmac(t.shopifySecret(), body),
                "X-Shopify-Shop-Domain", t.shopDomain(),
                "X-Shopify-Topic", topic,
                "X-Shopify-Api-Version", "2025-10"));
        if (eventId != null) {
            h.addAll(List.of("X-Shopify-Event-Id", eventId));
        }
        return post(server, "/webhooks/" + t.slug() + "/shopify", body, merge(h, extra));
    }

    public static HttpResponse<String> post(Tollgate server, String path, byte[] body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(TestServers.uri(server, path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/json");
        for (int i = 0; i < headers.length; i += 2) {
            b.setHeader(headers[i], headers[i + 1]);
        }
        return TestServers.send(b.build());
    }

    /** The same, sent chunked (no Content-Length). */
    public static HttpResponse<String> postChunked(Tollgate server, String path, byte[] body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(TestServers.uri(server, path))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .header("Content-Type", "application/json");
        for (int i = 0; i < headers.length; i += 2) {
            b.setHeader(headers[i], headers[i + 1]);
        }
        return TestServers.send(b.build());
    }

    public static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String[] merge(List<String> defaults, String[] extra) {
        List<String> all = new ArrayList<>(defaults);
        for (int i = 0; i < extra.length; i += 2) {
            int at = -1;
            for (int j = 0; j < all.size(); j += 2) {
                if (all.get(j).equalsIgnoreCase(extra[i])) {
                    at = j;
                }
            }
            if (at >= 0) {
                all.set(at + 1, extra[i + 1]);
            } else {
                all.add(extra[i]);
                all.add(extra[i + 1]);
            }
        }
        return all.toArray(String[]::new);
    }

    /** The value of one series in the gateway's Prometheus scrape, summed over other labels (0 when absent). */
    public static double metric(Tollgate server, String name, String... labels) {
        return Exposition.parse(TestServers.get(server, "/observe/metrics").body()).sum(name, labels);
    }
}
