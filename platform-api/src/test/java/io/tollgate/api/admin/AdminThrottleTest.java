package io.tollgate.api.admin;

import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Failed authentications from one address are throttled; a valid token from that same address (operators behind one
 * proxy or NAT) is never refused for the others' failures.
 */
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
    void failuresPastTheAllowanceAreRefusedButAValidTokenFromTheSameAddressPasses() {
        AdminClient admin = new AdminClient(server);
        for (int i = 0; i < AdminFilter.AUTH_FAILURES_PER_MINUTE; i++) {
            assertThat(admin.call("GET", "/admin/tenants", "guess-" + i, null).status()).isEqualTo(401);
        }
        // the address has spent its allowance, yet a valid token from it is checked and served
        AdminClient.Answer valid = admin.get("/admin/tenants");
        assertThat(valid.status()).as(valid.body()).isEqualTo(200);
        assertThat(admin.post("/admin/tenants", AdminClient.tenantBody("behind-nat")).status()).isEqualTo(201);

        // its further failures are refused (each failure takes whatever allowance refilled meanwhile, so on a slow
        // machine the first one may still be a 401)
        AdminClient.Answer refused = null;
        for (int i = 0; i < 5 && refused == null; i++) {
            AdminClient.Answer a = admin.call("GET", "/admin/tenants", "guess-more-" + i, null);
            assertThat(a.status()).isIn(401, 429);
            refused = a.status() == 429 ? a : null;
        }
        assertThat(refused).as("a failure past the allowance is refused").isNotNull();
        assertThat(refused.header("content-type")).isEqualTo("application/problem+json");
        assertThat(Integer.parseInt(refused.header("retry-after"))).isBetween(1, 60);

        // and while refused, a valid token still passes
        assertThat(admin.get("/admin/tenants/behind-nat").status()).isEqualTo(200);
    }
}
