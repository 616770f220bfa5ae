package io.tollgate.api.worker;

import io.tollgate.api.GatewayProcess;
import io.tollgate.api.Tollgate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A gateway process told to stop (SIGTERM, as Kubernetes stops a pod) while a job waits for Shopify: the job gets the
 * shutdown grace, and its later upstream calls (the note to Gorgias) still go out, so the note is posted once before
 * the process exits instead of failing and waiting for another instance. The upstream clients' connections are
 * Tollgate's to close, not closed under running jobs by the JVM's shutdown hooks.
 */
class WorkerSigtermProcessTest {
    private static final Path OUT = Path.of("target", "worker-sigterm");
    private static final long TICKET = 88001;
    private static final int SHOPIFY_DELAY_MS = 3_000;

    private static Pipeline p;

    @BeforeAll
    static void start() {
        p = Pipeline.create(Map.of());
    }

    @AfterAll
    static void stop() {
        p.close();
    }

    @Test
    void aJobRunningAtSigtermFinishesWithinTheGraceAndPostsItsNoteOnce() throws Exception {
        // the event is accepted and queued by a gateway without a worker
        Tollgate front = p.startServer(Map.of("TOLLGATE_WORKER_ENABLED", "false"));
        Pipeline.Tenant t = p.tenant(front, "term-shop");
        HttpResponse<String> accepted = p.deliver(front, t, Pipeline.ticket(TICKET, 99001, "Where is my order?",
                                                                           "Where is order #1001?"), "term-1");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        UUID event = Pipeline.eventId(accepted);
        p.stop(front);

        // Shopify answers slowly, so the job is waiting on it when the stop comes
        p.stub.stubFor(post(urlPathMatching("/admin/api/.*/graphql.json")).atPriority(1)
                               .willReturn(okJson(Pipeline.ordersAnswer()).withFixedDelay(SHOPIFY_DELAY_MS)));
        Map<String, String> env = new HashMap<>(p.env);
        env.put("TOLLGATE_WORKER_ENABLED", "true");
        env.put("TOLLGATE_SHUTDOWN_GRACE_SECONDS", "15");
        try (GatewayProcess gw = GatewayProcess.start(env, OUT.resolve(UUID.randomUUID() + ".log"))) {
            gw.awaitHealthy(Duration.ofSeconds(60));
            Pipeline.await(() -> !p.stub.findAll(postRequestedFor(urlPathMatching("/admin/api/.*/graphql.json")))
                                   .isEmpty(),
                           Duration.ofSeconds(30), () -> "no Shopify call; job: " + p.job(event));
            assertThat(p.notePosts(TICKET)).as("the job is still waiting for Shopify").isEmpty();

            gw.terminate();
            int exit = gw.exitCode(Duration.ofSeconds(45));

            String output = gw.output();
            assertThat(p.notePosts(TICKET)).as("the note, once; gateway output:\n" + output).hasSize(1);
            assertThat(p.status(event)).as("job: " + p.job(event) + "\n" + output).isEqualTo("processed");
            assertThat(p.job(event)).startsWith("done attempts=1");
            assertThat(exit).as("ended by SIGTERM (128 + 15), after its hooks ran: " + output).isEqualTo(143);
        }
    }
}
