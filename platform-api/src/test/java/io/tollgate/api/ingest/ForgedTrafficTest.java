package io.tollgate.api.ingest;

import io.tollgate.api.TestGateway;
import io.tollgate.api.Tollgate;
import io.tollgate.api.Webhooks;
import io.tollgate.api.Webhooks.TestTenant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;

import static io.tollgate.api.Webhooks.utf8;
import static org.assertj.core.api.Assertions.assertThat;

/** An address that keeps forging waits for its 401s; its authentic deliveries are never refused. */
class ForgedTrafficTest {
    @RegisterExtension
    static final TestGateway GATEWAY = TestGateway.withSettings("TOLLGATE_FORGED_PER_MINUTE", "3");

    @Test
    void forgeriesPastTheAllowanceWaitButAuthenticDeliveriesPass() {
        Tollgate server = GATEWAY.server();
        TestTenant t = Webhooks.create(server, "shared-nat-shop", "shared_nat_shopify_01", null);
        String forged = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            assertThat(Webhooks.shopify(server, t, utf8("{}"), "orders/create", "f" + i,
                                        "X-Shopify-Hmac-Sha256", forged).statusCode()).isEqualTo(401);
            assertThat(millisSince(t0)).isLessThan(IngestService.FORGERY_TARPIT.toMillis());
        }
        long t0 = System.nanoTime();
        HttpResponse<String> slowed = Webhooks.shopify(server, t, utf8("{}"), "orders/create", "f4",
                                                       "X-Shopify-Hmac-Sha256", forged);
        assertThat(slowed.statusCode()).isEqualTo(401);
        assertThat(millisSince(t0)).isGreaterThanOrEqualTo(IngestService.FORGERY_TARPIT.toMillis());

        t0 = System.nanoTime();
        assertThat(Webhooks.shopify(server, t, utf8("{}"), "orders/create", "real-1").statusCode()).isEqualTo(202);
        assertThat(millisSince(t0)).isLessThan(IngestService.FORGERY_TARPIT.toMillis());
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
