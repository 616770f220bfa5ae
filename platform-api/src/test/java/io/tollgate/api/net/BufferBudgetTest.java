package io.tollgate.api.net;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BufferBudgetTest {
    /** A lease that does not wait for its address's turn. */
    private static BufferBudget.Lease open(BufferBudget budget, String address, Object owner)
            throws InterruptedException {
        return budget.open(address, owner, Duration.ZERO);
    }

    /** {@code call} is refused for {@code reason}. */
    private static void assertRefused(ThrowingCallable call, BufferBudget.Refusal reason) {
        assertThatThrownBy(call).isInstanceOfSatisfying(BufferBudget.Refused.class,
                                                        r -> assertThat(r.reason()).isEqualTo(reason));
    }

    @Test
    void reservedBytesAreHeldUntilTheLeaseClosesOnce() throws Exception {
        BufferBudget budget = new BufferBudget(1000, 8);
        BufferBudget.Lease a = open(budget, "10.0.0.1", "tenant-a");
        a.reserve(300);
        a.reserve(100);
        assertThat(a.held()).isEqualTo(400);
        assertThat(budget.used()).isEqualTo(400);

        a.close();
        a.close();
        assertThat(budget.used()).isZero();
        assertThat(budget.addressesReading()).isZero();
    }

    @Test
    void theProcessBudgetRefusesWhatDoesNotFitAndKeepsWhatWasReserved() throws Exception {
        BufferBudget budget = new BufferBudget(1000, 8);
        BufferBudget.Lease a = open(budget, "10.0.0.1", "tenant-a");
        BufferBudget.Lease b = open(budget, "10.0.0.2", "tenant-b");
        BufferBudget.Lease c = open(budget, "10.0.0.3", "tenant-c");
        a.reserve(500);
        b.reserve(400);
        assertRefused(() -> c.reserve(101), BufferBudget.Refusal.BUFFER_FULL);
        assertThat(budget.used()).isEqualTo(900);
        assertThat(c.held()).isZero();
        c.reserve(100);
        assertThat(budget.used()).isEqualTo(1000);
        assertThat(budget.refused(BufferBudget.Refusal.BUFFER_FULL)).isEqualTo(1);

        b.close();
        BufferBudget.Lease d = open(budget, "10.0.0.4", "tenant-d");
        d.reserve(400);
        assertThat(budget.used()).isEqualTo(1000);
    }

    @Test
    void oneOwnerHoldsAtMostHalfTheBudget() throws Exception {
        BufferBudget budget = new BufferBudget(1000, 8);
        BufferBudget.Lease a1 = open(budget, "10.0.0.1", "tenant-a");
        BufferBudget.Lease a2 = open(budget, "10.0.0.2", "tenant-a");
        a1.reserve(400);
        assertThatThrownBy(() -> a2.reserve(101)).isInstanceOf(BufferBudget.Refused.class);
        a2.reserve(100);
        BufferBudget.Lease b = open(budget, "10.0.0.3", "tenant-b");
        b.reserve(500);
        assertThat(budget.used()).isEqualTo(1000);
        a1.close();
        a2.close();
        BufferBudget.Lease a3 = open(budget, "10.0.0.1", "tenant-a");
        a3.reserve(500);
        assertThat(budget.used()).isEqualTo(1000);
    }

    @Test
    void anIpv6HostTakesTheTurnsOfItsWholeSlash64() throws Exception {
        BufferBudget budget = new BufferBudget(1000, 2);
        BufferBudget.Lease first = open(budget, "2001:db8:1:2::1", "tenant-a");
        BufferBudget.Lease second = open(budget, "[2001:db8:1:2:aaaa:bbbb:cccc:dddd]", "tenant-a");
        assertRefused(() -> open(budget, "2001:db8:1:2:ffff::9", "tenant-a"), BufferBudget.Refusal.ADDRESS_BUSY);
        // another /64, and IPv4 addresses, have turns of their own
        open(budget, "2001:db8:1:3::1", "tenant-a").close();
        open(budget, "10.0.0.1", "tenant-a").close();
        first.close();
        second.close();
        assertThat(BufferBudget.turnsKey("::ffff:10.0.0.1")).isEqualTo("10.0.0.1");
        assertThat(BufferBudget.turnsKey("192.0.2.1")).isEqualTo("192.0.2.1");
    }

    @Test
    void oneAddressReadsAtMostItsBodiesAtOnceAndTheNextWaitsForATurn() throws Exception {
        BufferBudget budget = new BufferBudget(1000, 2);
        BufferBudget.Lease first = open(budget, "10.0.0.1", "tenant-a");
        BufferBudget.Lease second = open(budget, "10.0.0.1", "tenant-b");
        assertRefused(() -> open(budget, "10.0.0.1", "tenant-c"), BufferBudget.Refusal.ADDRESS_BUSY);
        assertThat(budget.refused(BufferBudget.Refusal.ADDRESS_BUSY)).isEqualTo(1);
        open(budget, "10.0.0.2", "tenant-a").close();

        // a waiting body gets the turn of one that is read; the bytes of the read one stay held
        first.reserve(300);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<BufferBudget.Lease> waiting = pool.submit(() -> budget.open("10.0.0.1", "tenant-c",
                                                                               Duration.ofSeconds(30)));
            Thread.sleep(50);
            assertThat(waiting).isNotDone();
            first.bodyRead();
            BufferBudget.Lease third = waiting.get(30, TimeUnit.SECONDS);
            assertThat(budget.used()).isEqualTo(300);
            first.close();
            first.close();
            assertThat(budget.used()).isZero();
            assertThatThrownBy(() -> open(budget, "10.0.0.1", "tenant-d")).isInstanceOf(BufferBudget.Refused.class);
            second.close();
            third.close();
        }
        assertThat(budget.addressesReading()).isZero();
    }

    @Test
    void concurrentLeasesNeverOverrunTheBudgetAndGiveEverythingBack() throws Exception {
        BufferBudget budget = new BufferBudget(10_000, 1_000);
        List<Future<Long>> peaks = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (int t = 0; t < 8; t++) {
                String owner = "tenant-" + (t % 4);
                String address = "10.0.0." + t;
                peaks.add(pool.submit(() -> {
                    long peak = 0;
                    for (int i = 0; i < 20_000; i++) {
                        try (BufferBudget.Lease l = open(budget, address, owner)) {
                            l.reserve(1_000);
                            l.reserve(500);
                            peak = Math.max(peak, budget.used());
                        } catch (BufferBudget.Refused e) {
                            // refused: nothing held
                        }
                    }
                    return peak;
                }));
            }
            for (Future<Long> f : peaks) {
                assertThat(f.get()).isLessThanOrEqualTo(10_000);
            }
        }
        assertThat(budget.used()).isZero();
        assertThat(budget.addressesReading()).isZero();
    }
}
