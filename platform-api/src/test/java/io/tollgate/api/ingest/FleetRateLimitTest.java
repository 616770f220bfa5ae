package io.tollgate.api.ingest;

import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.api.Webhooks;
import io.tollgate.api.Webhooks.TestTenant;
import io.tollgate.api.config.AppConfig;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static io.tollgate.api.Webhooks.utf8;
import static org.assertj.core.api.Assertions.assertThat;

/** Rate-bucket mode "postgres": one bucket per tenant shared by every instance of the fleet. */
class FleetRateLimitTest {
    private static TestDatabase db;
    private static Tollgate one;
    private static Tollgate two;

    @BeforeAll
    static void start() {
        db = TestDatabase.empty();
        Map<String, String> env = TestServers.env(db.jdbcUrl(), db.user(), db.password());
        env.put("TOLLGATE_RATE_LIMIT_MODE", "postgres");
        one = Tollgate.start(AppConfig.load(env));
        two = Tollgate.start(AppConfig.load(env));
    }

    @AfterAll
    static void stop() {
        one.close();
        two.close();
        db.close();
    }

    @Test
    void twoInstancesSpendOneBucket() {
        TestTenant t = Webhooks.create(one, "fleet-shop", "fleet_shopify_012345", "{\"rate_per_minute\": 1,"
                + " \"burst\": 4}");
        TestTenant other = Webhooks.create(one, "other-shop", "other_shopify_012345", "{\"rate_per_minute\": 1,"
                + " \"burst\": 1}");
        assertThat(Webhooks.shopify(one, t, utf8("{}"), "orders/create", "f1").statusCode()).isEqualTo(202);
        assertThat(Webhooks.shopify(two, t, utf8("{}"), "orders/create", "f2").statusCode()).isEqualTo(202);
        assertThat(Webhooks.shopify(one, t, utf8("{}"), "orders/create", "f3").statusCode()).isEqualTo(202);
        assertThat(Webhooks.shopify(two, t, utf8("{}"), "orders/create", "f4").statusCode()).isEqualTo(202);
        HttpResponse<String> over1 = Webhooks.shopify(one, t, utf8("{}"), "orders/create", "f5");
        HttpResponse<String> over2 = Webhooks.shopify(two, t, utf8("{}"), "orders/create", "f6");
        assertThat(over1.statusCode()).isEqualTo(429);
        assertThat(over2.statusCode()).isEqualTo(429);
        assertThat(over2.headers().firstValue("retry-after")).isPresent();
        // another tenant's bucket is its own
        assertThat(Webhooks.shopify(two, other, utf8("{}"), "orders/create", "o1").statusCode()).isEqualTo(202);
    }
}
