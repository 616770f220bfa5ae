package io.tollgate.api.connect;

import io.tollgate.api.LogCapture;
import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.api.Webhooks;
import io.tollgate.api.config.AppConfig;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The set-up of the connect tests: Gorgias and Shopify played by {@link FakeUpstreams}, a real PostgreSQL and the
 * gateway started as production starts it (upstream base URLs overridden per tenant, {@link #PUBLIC} as its public
 * URL), every log record captured, and every credential and webhook secret handed out collected, so that no admin
 * answer ({@link #admin}) and no log line may hold one. Register it as a static {@code @RegisterExtension} field.
 */
final class ConnectFixture implements BeforeAllCallback, AfterAllCallback {
    static final String PUBLIC = "https://hooks.tollgate.test";

    private final Map<String, String> extraEnv;
    /** Every credential and webhook secret handed out: none may appear in an answer or a log line. */
    private final Set<String> secrets = ConcurrentHashMap.newKeySet();
    private LogCapture logs;
    private TestDatabase db;
    private FakeUpstreams fake;
    private Tollgate server;

    /** {@code extraEnv}: settings of the test's own, over those of every connect test. */
    ConnectFixture(Map<String, String> extraEnv) {
        this.extraEnv = Map.copyOf(extraEnv);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        logs = LogCapture.start();
        db = TestDatabase.migrated();
        fake = new FakeUpstreams();
        Map<String, String> env = new HashMap<>(TestServers.env(db.jdbcUrl(), db.user(), db.password()));
        env.put("TOLLGATE_ALLOW_UPSTREAM_OVERRIDE", "true");
        env.put("TOLLGATE_PUBLIC_URL", PUBLIC);
        env.putAll(extraEnv);
        server = Tollgate.start(AppConfig.load(env));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        server.close();
        fake.close();
        db.close();
        logs.close();
    }

    FakeUpstreams fake() {
        return fake;
    }

    Tollgate server() {
        return server;
    }

    TestDatabase db() {
        return db;
    }

    LogCapture logs() {
        return logs;
    }

    Set<String> secrets() {
        return secrets;
    }

    /** A tenant's upstream identities and how it is registered with the fake. */
    record Options(boolean gorgiasAccount, boolean shopKnown, String shopOverride, String apiVersion) {
        static Options standard() {
            return new Options(true, true, null, null);
        }

        Options withoutGorgiasAccount() {
            return new Options(false, shopKnown, shopOverride, apiVersion);
        }

        Options withoutShop() {
            return new Options(gorgiasAccount, false, shopOverride, apiVersion);
        }

        Options withShop(String shop) {
            return new Options(gorgiasAccount, shopKnown, shop, apiVersion);
        }

        Options withApiVersion(String v) {
            return new Options(gorgiasAccount, shopKnown, shopOverride, v);
        }
    }

    /** A tenant as a connect test knows it; {@code gorgiasSecret} is null until it is created. */
    record Tenant(String slug, String account, String username, String apiKey, String accessToken,
                  String apiVersion, String gorgiasSecret) {
        String shop() {
            return slug + ".myshopify.com";
        }

        String gorgiasUrl() {
            return PUBLIC + "/webhooks/" + slug + "/gorgias";
        }

        String shopifyUrl() {
            return PUBLIC + "/webhooks/" + slug + "/shopify";
        }
    }

    /** Registers the tenant's identities with the fake (as the options say), without creating it. */
    Tenant register(String slug, Options o) {
        Tenant t = new Tenant(slug, slug.replace("-", ""), "agent@" + slug + ".example", "gk-" + slug + "-0123456789",
                              "shpat_" + slug + "_0123456789", o.apiVersion(), null);
        secrets.addAll(List.of(t.apiKey(), t.accessToken(), "shpss_" + slug + "_secret",
                               FakeUpstreams.basic(t.username(), t.apiKey())));
        if (o.gorgiasAccount()) {
            fake.gorgiasAccount(t.account(), t.username(), t.apiKey());
        } else {
            // the account exists, with another key: this tenant's key is wrong
            fake.gorgiasAccount(t.account(), t.username(), "the-right-key-0123456789");
        }
        if (o.shopKnown()) {
            fake.shop(t.accessToken(), o.shopOverride() == null ? t.shop() : o.shopOverride());
        }
        return t;
    }

    /** The tenant with the Gorgias webhook secret it was given, which from now on no answer may show. */
    Tenant withSecret(Tenant t, String secret) {
        secrets.add(secret);
        return new Tenant(t.slug(), t.account(), t.username(), t.apiKey(), t.accessToken(), t.apiVersion(), secret);
    }

    /** The body of {@code POST /admin/tenants} creating {@code t} with its upstreams at the fake. */
    String createBody(Tenant t, boolean connect) {
        return """
                {"slug": "%1$s", "name": "Shop %1$s",
                 "gorgias": {"domain": "%2$s", "username": "%3$s", "api_key": "%4$s", "base_url": "%6$s"},
                 "shopify": {"shop_domain": "%7$s", "access_token": "%5$s", "webhook_secret": "shpss_%1$s_secret",
                             "base_url": "%6$s"%8$s}%9$s}""".formatted(
                t.slug(), t.account(), t.username(), t.apiKey(), t.accessToken(), fake.baseUrl(), t.shop(),
                t.apiVersion() == null ? "" : ", \"api_version\": \"" + t.apiVersion() + "\"",
                connect ? ", \"connect\": true" : "");
    }

    /** An admin call; its answer must hold no secret known so far. */
    HttpResponse<String> admin(String method, String path, String body) {
        HttpResponse<String> res = Webhooks.admin(server, method, path, body);
        // a new Gorgias webhook secret is shown once, in this answer, and only added to the secrets after it
        for (String secret : secrets) {
            assertThat(res.body()).as("answer to %s %s", method, path).doesNotContain(secret);
        }
        return res;
    }

    /** The one number a query gives (a count). */
    long count(String sql, Object... params) {
        try (Connection c = db.connect(); PreparedStatement ps = prepare(c, sql, params);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    void exec(String sql, Object... params) {
        try (Connection c = db.connect(); PreparedStatement ps = prepare(c, sql, params)) {
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... params) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        for (int i = 0; i < params.length; i++) {
            ps.setObject(i + 1, params[i]);
        }
        return ps;
    }
}
