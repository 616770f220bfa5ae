package io.tollgate.api.observe;

import io.tollgate.api.TestGateway;
import io.tollgate.api.TestServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** The server over HTTP, with its database behind a proxy the test can cut. */
class HealthTest {
    @RegisterExtension
    static final TestGateway GATEWAY = TestGateway.viaProxy();

    @Test
    void healthFollowsTheDatabase() throws Exception {
        HttpResponse<String> up = TestServers.get(GATEWAY.server(), "/observe/health");
        assertThat(up.statusCode()).isEqualTo(200);
        assertThat(up.body()).contains("\"name\":\"db\"").contains("\"status\":\"UP\"")
                .contains("\"ingress\":\"ok\"").doesNotContain("\"reason\"");

        GATEWAY.proxy().cut();
        long t0 = System.nanoTime();
        HttpResponse<String> down = TestServers.get(GATEWAY.server(), "/observe/health");
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.body()).contains("\"status\":\"DOWN\"");
        assertThat(tookMs).as("health must answer within a few seconds while the database hangs").isLessThan(5_000);

        GATEWAY.proxy().restore();
        int status = 0;
        for (int i = 0; i < 50 && status != 200; i++) {
            status = TestServers.get(GATEWAY.server(), "/observe/health").statusCode();
            if (status != 200) {
                Thread.sleep(100);
            }
        }
        assertThat(status).isEqualTo(200);
    }

    @Test
    void metricsExposeThePool() {
        HttpResponse<String> metrics = TestServers.get(GATEWAY.server(), "/observe/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body())
                .contains("tollgate_db_pool_connections{scope=\"application\",state=\"active\"")
                .contains("state=\"idle\"")
                .contains("state=\"pending\"")
                // the admin API's own pool
                .contains("tollgate_db_admin_pool_connections{scope=\"application\",state=\"active\"");
    }

    @Test
    void unknownRouteIsAProblemDocument() {
        HttpResponse<String> res = TestServers.get(GATEWAY.server(), "/no/such/route");
        assertThat(res.statusCode()).isEqualTo(404);
        assertThat(res.headers().firstValue("content-type")).hasValue("application/problem+json");
        assertThat(res.body()).contains("\"type\":\"https://tollgate.dev/problems/not-found\"")
                .contains("\"status\":404").doesNotContain("Exception");
    }
}
