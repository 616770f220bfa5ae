package io.tollgate.api.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Calls the admin API over HTTP. Every answer is checked against every secret known so far (given, or generated and
 * already revealed once): none may ever appear in a later answer.
 */
final class AdminClient {
    static final ObjectMapper JSON = new ObjectMapper();

    record Answer(int status, String body, HttpResponse<String> raw) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    private final Tollgate server;
    private final Set<String> secrets;
    final List<String> bodies = new CopyOnWriteArrayList<>();

    AdminClient(Tollgate server, Set<String> secrets) {
        this.server = server;
        this.secrets = secrets;
    }

    AdminClient(Tollgate server) {
        this(server, ConcurrentHashMap.newKeySet());
    }

    /** Registers a value that must never appear in any answer from now on. */
    void secret(String value) {
        secrets.add(value);
    }

    Set<String> secrets() {
        return secrets;
    }

    Answer call(String method, String path, String token, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(TestServers.uri(server, path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        HttpResponse<String> res = TestServers.send(b.build());
        for (String s : secrets) {
            assertThat(res.body()).as("answer to %s %s leaks a secret", method, path).doesNotContain(s);
            res.headers().map().values().forEach(v -> assertThat(String.join(",", v)).doesNotContain(s));
        }
        bodies.add(res.body());
        return new Answer(res.statusCode(), res.body(), res);
    }

    Answer get(String path) {
        return call("GET", path, TestServers.ADMIN_TOKEN, null);
    }

    Answer post(String path, String body) {
        return call("POST", path, TestServers.ADMIN_TOKEN, body);
    }

    Answer patch(String path, String body) {
        return call("PATCH", path, TestServers.ADMIN_TOKEN, body);
    }

    Answer delete(String path) {
        return call("DELETE", path, TestServers.ADMIN_TOKEN, null);
    }

    /** A valid creation body for {@code slug}, with secrets recognisable by the slug. */
    static String tenantBody(String slug) {
        return """
                {"slug": "%1$s", "name": "Shop %1$s",
                 "gorgias": {"domain": "%2$s", "username": "agent@%1$s.example", "api_key": "gk-%1$s-0123456789abcdef"},
                 "shopify": {"shop_domain": "%1$s.myshopify.com", "access_token": "shpat_%1$s_0123456789",
                             "webhook_secret": "shpss_%1$s_secret_0123456789"}}""".formatted(slug, slug.replace("-", ""));
    }

    static List<String> givenSecrets(String slug) {
        return List.of("gk-" + slug + "-0123456789abcdef", "shpat_" + slug + "_0123456789",
                       "shpss_" + slug + "_secret_0123456789");
    }

    /** Creates a tenant, registering its given and generated secrets; returns the creation answer. */
    Answer createTenant(String slug) {
        givenSecrets(slug).forEach(this::secret);
        Answer a = post("/admin/tenants", tenantBody(slug));
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        secret(a.json().get("gorgias_webhook_secret").asText());
        return a;
    }
}
