package io.tollgate.api.ingest;

import io.tollgate.api.TestGateway;
import io.tollgate.api.Tollgate;
import io.tollgate.api.Webhooks;
import io.tollgate.api.Webhooks.TestTenant;
import io.tollgate.tenant.testing.TcpProxy;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;

import static io.tollgate.api.Webhooks.utf8;
import static org.assertj.core.api.Assertions.assertThat;

/** With the database cut off, ingress answers 503 with Retry-After within the tenant's deadline, never a 2xx. */
class IngressOutageTest {
    @RegisterExtension
    static final TestGateway GATEWAY = TestGateway.viaProxy();
    private static TestTenant shop;

    @BeforeAll
    static void start() {
        shop = Webhooks.create(GATEWAY.server(), "outage-shop", "outage_shopify_0123", "{\"timeout_ms\": 3000}");
        Webhooks.create(GATEWAY.server(), "cold-shop", "cold_shopify_012345", null);
    }

    @Test
    void databaseCutOffIs503WithinTheDeadlineThenRecovers() {
        Tollgate server = GATEWAY.server();
        TcpProxy proxy = GATEWAY.proxy();
        // warm: the tenant is resolved and cached
        assertThat(Webhooks.shopify(server, shop, utf8("{}"), "orders/create", "before").statusCode()).isEqualTo(202);
        double unavailableBefore = Webhooks.metric(server, "tollgate_webhooks_total", "outcome", "unavailable");

        proxy.cut();
        try {
            for (String id : new String[] {"during-1", "during-2"}) {
                long t0 = System.nanoTime();
                HttpResponse<String> r = Webhooks.shopify(server, shop, utf8("{\"n\": 1}"), "orders/create", id);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                assertThat(r.headers().firstValue("retry-after")).isPresent();
                assertThat(r.headers().firstValue("content-type")).hasValue("application/problem+json");
                assertThat(ms).as("answered within the 3 s deadline").isLessThan(3_500);
            }
            // a tenant that is not cached cannot be resolved: 503 too, not 404
            HttpResponse<String> cold = Webhooks.post(server, "/webhooks/cold-shop/shopify", utf8("{}"));
            assertThat(cold.statusCode()).isEqualTo(503);
        } finally {
            proxy.restore();
        }
        assertThat(Webhooks.metric(server, "tollgate_webhooks_total", "outcome", "unavailable") - unavailableBefore)
                .isGreaterThanOrEqualTo(3);

        int status = 0;
        for (int i = 0; i < 50 && status != 202 && status != 200; i++) {
            status = Webhooks.shopify(server, shop, utf8("{\"n\": 1}"), "orders/create", "during-1").statusCode();
            if (status == 503) {
                sleep();
            }
        }
        // the delivery refused during the outage is stored when retried (202), or was stored late (200): never lost
        assertThat(status).isIn(200, 202);
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
