package io.tollgate.api;

import io.tollgate.api.config.AppConfig;
import io.tollgate.tenant.crypto.MasterKey;
import io.tollgate.tenant.testing.TestDatabase;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Starts the gateway as production does ({@link Tollgate#start}) on a test database, and talks to it over HTTP. */
public final class TestServers {
    public static final String ADMIN_TOKEN = "test-admin-token-0123456789abcdef";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private TestServers() {
    }

    /** The environment a production deployment would have, pointed at {@code jdbcUrl}. */
    public static Map<String, String> env(String jdbcUrl, String user, String password) {
        Map<String, String> env = new HashMap<>();
        env.put("PORT", "0");
        env.put("TOLLGATE_HOST", "127.0.0.1");
        env.put("DATABASE_URL", jdbcUrl);
        env.put("DATABASE_USER", user);
        env.put("DATABASE_PASSWORD", password);
        env.put("TOLLGATE_MASTER_KEY", MasterKey.generateBase64());
        env.put("TOLLGATE_ADMIN_TOKEN", ADMIN_TOKEN);
        env.put("TOLLGATE_SHUTDOWN_GRACE_SECONDS", "2");
        // ingress and admin tests look at stored events as ingress left them; worker tests turn it on
        env.put("TOLLGATE_WORKER_ENABLED", "false");
        // likewise the connection drift check (DriftTest turns it on): checks at random moments of the hour would
        // change connections rows and upstream stubs' request logs under other tests' assertions
        env.put("TOLLGATE_CONNECTION_CHECK_ENABLED", "false");
        return env;
    }

    /** The same environment with the database reached through {@code proxy}, so a test can cut it off. */
    public static Map<String, String> envVia(TestDatabase db, io.tollgate.tenant.testing.TcpProxy proxy) {
        return env("jdbc:postgresql://" + proxy.host() + ":" + proxy.port() + "/" + db.name(), db.user(),
                   db.password());
    }

    public static Tollgate start(TestDatabase db) {
        return Tollgate.start(AppConfig.load(env(db.jdbcUrl(), db.user(), db.password())));
    }

    public static HttpResponse<String> get(Tollgate server, String path) {
        return send(HttpRequest.newBuilder(uri(server, path)).GET().build());
    }

    /**
     * {@code path} on the listener that serves it: the admin API, the OpenAPI document and {@code /observe/**} on the
     * admin listener when the server has one ({@code TOLLGATE_ADMIN_PORT}), everything else on the public port. With
     * one listener both are the same port.
     */
    public static URI uri(Tollgate server, String path) {
        boolean operators = path.startsWith("/admin") || path.startsWith("/openapi") || path.startsWith("/observe");
        return at(operators ? server.adminPort() : server.port(), path);
    }

    /** {@code path} on this loopback port, whatever it serves. */
    public static URI at(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    public static HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
