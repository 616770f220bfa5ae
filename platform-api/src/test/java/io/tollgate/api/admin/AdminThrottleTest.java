package io.tollgate.api.admin;

import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Repeated failed authentication from one address is refused, even with a good token afterwards. */
class AdminThrottleTest {
    private static TestDatabase db;
    private static Tollgate server;

    @BeforeAll
    static void start() {
        db = TestDatabase.empty();
        server = TestServers.start(db);
    }

    @AfterAll
    static void stop() {
        server.close();
        db.close();
    }

    @Test
    void repeatedFailuresFromOneAddressAreRefused() {
        AdminClient admin = new AdminClient(server);
        for (int i = 0; i < AdminFilter.AUTH_FAILURES_PER_MINUTE; i++) {
            assertThat(admin.call("GET", "/admin/tenants", "guess-" + i, null).status()).isEqualTo(401);
        }
        AdminClient.Answer refused = admin.call("GET", "/admin/tenants", "guess-final", null);
        assertThat(refused.status()).isEqualTo(429);
        assertThat(Integer.parseInt(refused.header("retry-after"))).isBetween(1, 60);
        // the address is refused before the token is even looked at
        assertThat(admin.get("/admin/tenants").status()).isEqualTo(429);
    }
}
