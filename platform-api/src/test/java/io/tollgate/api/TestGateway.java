package io.tollgate.api;

import io.tollgate.api.config.AppConfig;
import io.tollgate.tenant.testing.TcpProxy;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A gateway test's server for the class: a fresh empty database, the gateway started on it as production starts it
 * ({@link Tollgate#start}, the {@link TestServers#env test environment} with the class's own settings on top), both
 * closed after the class. Register it as a static {@code @RegisterExtension} field; the class's own {@code @BeforeAll}
 * methods run after it has started, so they can create tenants on {@link #server()}.
 */
public final class TestGateway implements BeforeAllCallback, AfterAllCallback {
    private final boolean proxied;
    private final Map<String, String> settings = new LinkedHashMap<>();
    private TestDatabase db;
    private TcpProxy proxy;
    private Tollgate server;

    private TestGateway(boolean proxied, String... settings) {
        this.proxied = proxied;
        for (int i = 0; i < settings.length; i += 2) {
            this.settings.put(settings[i], settings[i + 1]);
        }
    }

    /** {@code settings}: setting, value, setting, value... over the test environment. */
    public static TestGateway withSettings(String... settings) {
        return new TestGateway(false, settings);
    }

    /** The database reached through a {@link #proxy()} the test can cut. */
    public static TestGateway viaProxy() {
        return new TestGateway(true);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        db = TestDatabase.empty();
        Map<String, String> env;
        if (proxied) {
            proxy = new TcpProxy(db.address().getHost(), db.address().getPort());
            env = TestServers.envVia(db, proxy);
        } else {
            env = TestServers.env(db.jdbcUrl(), db.user(), db.password());
        }
        env.putAll(settings);
        server = Tollgate.start(AppConfig.load(env));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (db != null) {
            db.close();
        }
    }

    public Tollgate server() {
        return server;
    }

    public TestDatabase db() {
        return db;
    }

    /** The proxy between the gateway and its database ({@link #viaProxy()} only). */
    public TcpProxy proxy() {
        return proxy;
    }
}
