package io.tollgate.api.worker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.api.Tollgate;
import io.tollgate.api.Webhooks;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every upstream budget holds for the fleet: two gateways (pods) on one database, their workers on, against one
 * Gorgias that allows an account {@value #CALLS} calls in any {@value #WINDOW_SECONDS} s and answers 429 past that,
 * as Gorgias does (here smaller than Gorgias's 40 per 20 s so the test is short; the code path is the same). Two
 * tenants share one Gorgias account. A burst of tickets arrives on both pods at once: Gorgias never sees more than the
 * account's budget in any window (so never answers 429), never more of one tenant's jobs at once than the cap, and
 * every ticket gets exactly one note.
 */
class FleetBudgetTest {
    private static final int CALLS = 6;
    private static final int WINDOW_SECONDS = 2;
    private static final int TENANT_CAP = 2;
    private static final String ACCOUNT = "fleetshop";

    @Test
    void twoPodsKeepOneGorgiasAccountsBudgetAndEachTenantsCapAndPostEveryNoteOnce() throws Exception {
        try (Pipeline p = Pipeline.create(Map.of(
                "TOLLGATE_GORGIAS_CALLS", String.valueOf(CALLS),
                "TOLLGATE_GORGIAS_WINDOW_SECONDS", String.valueOf(WINDOW_SECONDS),
                "TOLLGATE_WORKER_TENANT_CAP", String.valueOf(TENANT_CAP),
                "TOLLGATE_WORKER_CONCURRENCY", "4"));
             BudgetedGorgias gorgias = new BudgetedGorgias(CALLS, Duration.ofSeconds(WINDOW_SECONDS),
                                                           Duration.ofMillis(150))) {
            Tollgate podA = p.startServer();
            Tollgate podB = p.startServer();
            Pipeline.Tenant one = tenant(p, gorgias, "fleet-one");
            Pipeline.Tenant two = tenant(p, gorgias, "fleet-two");

            AtomicBoolean sampling = new AtomicBoolean(true);
            AtomicLong mostRunning = new AtomicLong();
            Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                while (sampling.get()) {
                    mostRunning.accumulateAndGet(p.count("SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n"
                            + " FROM jobs WHERE status = 'running' GROUP BY tenant_id) r"), Math::max);
                    Pipeline.sleep(10);
                }
            });

            List<UUID> events = new ArrayList<>();
            List<Long> tickets = new ArrayList<>();
            for (int i = 0; i < 28; i++) {
                Pipeline.Tenant t = i % 7 < 5 ? one : two;
                long ticket = 71_000 + i;
                tickets.add(ticket);
                byte[] delivery = Pipeline.ticket(ticket, 81_000 + i, "Where is my order?",
                                                  "Where is my order #1001?");
                gorgias.remember(delivery); // the worker reads the ticket (a call of the account) before its note
                HttpResponse<String> res = p.deliver(i % 2 == 0 ? podA : podB, t, delivery, "wh-fleet-" + i);
                assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
                events.add(Pipeline.eventId(res));
            }
            for (UUID event : events) {
                p.awaitProcessed(event, Duration.ofSeconds(120));
            }
            sampling.set(false);
            sampler.join();

            List<Long> calls = gorgias.arrivals(ACCOUNT);
            assertThat(calls.size()).as("a ticket read and a note per ticket, at least")
                    .isGreaterThanOrEqualTo(2 * tickets.size());
            for (int i = 0; i + CALLS < calls.size(); i++) {
                assertThat(calls.get(i + CALLS) - calls.get(i))
                        .as("calls %d and %d of the account are in one %d s window", i + 1, i + CALLS + 1,
                            WINDOW_SECONDS)
                        .isGreaterThanOrEqualTo(Duration.ofSeconds(WINDOW_SECONDS).toNanos());
            }
            assertThat(gorgias.tooMany()).as("calls Gorgias answered 429").isZero();
            assertThat(gorgias.mostInFlight(one.username())).as("fleet-one's notes posted at once")
                    .isBetween(1, TENANT_CAP);
            assertThat(gorgias.mostInFlight(two.username())).as("fleet-two's notes posted at once")
                    .isBetween(1, TENANT_CAP);
            assertThat(mostRunning.get()).as("one tenant's jobs running at once").isBetween(1L, (long) TENANT_CAP);
            for (int i = 0; i < tickets.size(); i++) {
                List<ObjectNode> notes = gorgias.notes(tickets.get(i));
                assertThat(notes).as("notes on ticket %d", tickets.get(i)).hasSize(1);
                assertThat(notes.getFirst().path("channel").asText()).isEqualTo("internal-note");
                assertThat(notes.getFirst().path("body_text").asText()).contains(Pipeline.TRACKING_1001);
            }
        }
    }

    /** A tenant on the Gorgias account {@value #ACCOUNT} (its own API user) whose Shopify is the pipeline's stub. */
    private static Pipeline.Tenant tenant(Pipeline p, BudgetedGorgias gorgias, String slug) {
        String username = "agent@" + slug + ".example";
        String apiKey = "gk-" + slug + "-0123456789";
        String token = "shpat_" + slug + "_0123456789";
        gorgias.user(ACCOUNT, username, apiKey);
        String body = """
                {"slug": "%1$s", "name": "Shop %1$s",
                 "gorgias": {"domain": "%2$s", "username": "%3$s", "api_key": "%4$s", "base_url": "%5$s"},
                 "shopify": {"shop_domain": "%1$s.myshopify.com", "access_token": "%6$s",
                             "webhook_secret": "shpss_%1$s", "base_url": "%7$s"}}""".formatted(
                slug, ACCOUNT, username, apiKey, gorgias.baseUrl(), token, "http://127.0.0.1:" + p.stub.port());
        HttpResponse<String> res = Webhooks.admin(p.server(), "POST", "/admin/tenants", body);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
        return new Pipeline.Tenant(slug, username, apiKey, token,
                                   Webhooks.json(res.body()).get("gorgias_webhook_secret").asText());
    }
}
