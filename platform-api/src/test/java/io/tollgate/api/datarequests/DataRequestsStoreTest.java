package io.tollgate.api.datarequests;

import io.tollgate.api.StoreDatabase;
import io.tollgate.tenant.EventId;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The data_requests table over real PostgreSQL: concurrent runs of one request's job open one request; a tenant's
 * request ids are not another tenant's; marking delivered happens once.
 */
class DataRequestsStoreTest {
    @RegisterExtension
    static final StoreDatabase db = new StoreDatabase("dr-store", "data_requests");

    private static DataRequests requests;

    @BeforeAll
    static void store() {
        requests = new DataRequests(db.db());
    }

    private static Subject subject(long requestId) {
        return new Subject(Optional.of(requestId), Optional.of(191167L), Optional.of("john@example.com"),
                           Optional.of("555-625-1199"), List.of(299938L));
    }

    @Test
    void concurrentRunsOfOneRequestOpenOneRequest() throws Exception {
        EventId event = new EventId(UUID.randomUUID());
        int runs = 8;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<DataRequests.Opened>> opened = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(runs)) {
            for (int i = 0; i < runs; i++) {
                opened.add(pool.submit(() -> {
                    go.await();
                    return requests.open(db.a(), event, subject(9999L));
                }));
            }
            go.countDown();
            List<DataRequests.Opened> results = new ArrayList<>();
            for (Future<DataRequests.Opened> f : opened) {
                results.add(f.get());
            }
            assertThat(results).filteredOn(DataRequests.Opened::opened).hasSize(1);
            assertThat(results).extracting(DataRequests.Opened::id).containsOnly(results.getFirst().id());
        }
        assertThat(rows("SELECT count(*) FROM data_requests")).isEqualTo(1);
        // the same Shopify request under another event (a resend) is that request too
        DataRequests.Opened resent = requests.open(db.a(), new EventId(UUID.randomUUID()), subject(9999L));
        assertThat(resent.opened()).isFalse();
        assertThat(rows("SELECT count(*) FROM data_requests")).isEqualTo(1);
    }

    @Test
    void aTenantsRequestIsNotAnothersAndIsDeliveredOnce() {
        UUID a = requests.open(db.a(), new EventId(UUID.randomUUID()), subject(9999L)).id();
        DataRequests.Opened b = requests.open(db.b(), new EventId(UUID.randomUUID()), subject(9999L));
        assertThat(b.opened()).as("the same Shopify id at another shop is another request").isTrue();

        assertThat(requests.get(db.b(), a)).isEmpty();
        assertThat(requests.deliver(db.b(), a, "someone")).isEmpty();
        assertThat(requests.get(db.a(), a).orElseThrow().summary().state()).isEqualTo(DataRequestState.OPEN);
        assertThat(requests.openNow().count()).isEqualTo(2);

        DataRequests.Delivered first = requests.deliver(db.a(), a, "ana").orElseThrow();
        assertThat(first.now()).isTrue();
        assertThat(first.request().state()).isEqualTo(DataRequestState.DELIVERED);
        assertThat(first.request().deliveredBy()).contains("ana");
        DataRequests.Delivered again = requests.deliver(db.a(), a, "ben").orElseThrow();
        assertThat(again.now()).isFalse();
        assertThat(again.request().deliveredAt()).isEqualTo(first.request().deliveredAt());
        assertThat(again.request().deliveredBy()).contains("ana");
        assertThat(requests.openNow().count()).isEqualTo(1);
        assertThat(requests.list(db.a(), Optional.of(DataRequestState.OPEN), 10, Optional.empty())).isEmpty();
        assertThat(requests.list(db.b(), Optional.of(DataRequestState.OPEN), 10, Optional.empty()))
                .extracting(DataRequests.Summary::id).containsExactly(b.id());
    }

    private static long rows(String sql) {
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }
}
