package io.tollgate.api.draft;

import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.testing.TestDatabase;
import io.tollgate.tenant.testing.TwoTenants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-tenant daily draft allowance on the real PostgreSQL. */
class DraftBudgetTest {
    private static TwoTenants fixture;
    private static TestDatabase testDb;
    private static TenantId a;
    private static TenantId b;

    @BeforeAll
    static void setUp() {
        fixture = TwoTenants.create("budget");
        testDb = fixture.testDb();
        a = fixture.a();
        b = fixture.b();
    }

    @AfterAll
    static void tearDown() {
        fixture.close();
    }

    @BeforeEach
    void empty() throws SQLException {
        try (Connection c = testDb.connect(); Statement s = c.createStatement()) {
            s.execute("DELETE FROM draft_budget");
        }
    }

    private static DraftBudget at(String instant) {
        return new DraftBudget(fixture.db(), Clock.fixed(Instant.parse(instant), ZoneOffset.UTC));
    }

    @Test
    void takesUpToTheLimitAndThenRefuses() {
        DraftBudget budget = at("2024-03-12T10:00:00Z");

        assertThat(budget.tryTake(a, 3)).isTrue();
        assertThat(budget.tryTake(a, 3)).isTrue();
        assertThat(budget.tryTake(a, 3)).isTrue();
        assertThat(budget.tryTake(a, 3)).isFalse();
        assertThat(budget.tryTake(a, 3)).isFalse();

        assertThat(budget.used(a, LocalDate.of(2024, 3, 12))).isEqualTo(3);
    }

    @Test
    void aDraftGivenBackCanBeTakenAgainAndTheCountNeverGoesBelowZero() {
        DraftBudget budget = at("2024-03-12T10:00:00Z");
        LocalDate day = LocalDate.of(2024, 3, 12);
        assertThat(budget.tryTake(a, day, 1)).isTrue();
        assertThat(budget.tryTake(b, day, 1)).isTrue();
        assertThat(budget.tryTake(a, day, 1)).isFalse();

        budget.giveBack(a, day);

        assertThat(budget.used(a, day)).isZero();
        assertThat(budget.used(b, day)).as("only the tenant's own count").isEqualTo(1);
        assertThat(budget.tryTake(a, day, 1)).isTrue();
        budget.giveBack(a, day);
        budget.giveBack(a, day);
        budget.giveBack(a, LocalDate.of(2024, 3, 11));
        assertThat(budget.used(a, day)).isZero();
        assertThat(budget.used(a, LocalDate.of(2024, 3, 11))).isZero();
    }

    @Test
    void eachTenantHasItsOwnAllowance() {
        DraftBudget budget = at("2024-03-12T10:00:00Z");
        assertThat(budget.tryTake(a, 1)).isTrue();
        assertThat(budget.tryTake(a, 1)).isFalse();

        assertThat(budget.tryTake(b, 1)).isTrue();

        assertThat(budget.used(a, LocalDate.of(2024, 3, 12))).isEqualTo(1);
        assertThat(budget.used(b, LocalDate.of(2024, 3, 12))).isEqualTo(1);
    }

    @Test
    void theDayIsTheUtcDateAndANewDayStartsAfresh() {
        // 23:30 in UTC-5 on the 11th is already the 12th in UTC
        DraftBudget late = new DraftBudget(fixture.db(), Clock.fixed(Instant.parse("2024-03-12T04:30:00Z"),
                                                                     ZoneId.of("America/New_York")));
        assertThat(late.today()).isEqualTo(LocalDate.of(2024, 3, 12));
        assertThat(late.tryTake(a, 1)).isTrue();
        assertThat(late.tryTake(a, 1)).isFalse();

        DraftBudget nextDay = at("2024-03-13T00:00:00Z");
        assertThat(nextDay.tryTake(a, 1)).isTrue();

        assertThat(nextDay.used(a, LocalDate.of(2024, 3, 12))).isEqualTo(1);
        assertThat(nextDay.used(a, LocalDate.of(2024, 3, 13))).isEqualTo(1);
        assertThat(nextDay.used(a, LocalDate.of(2024, 3, 11))).isZero();
    }

    @Test
    void aLimitOfZeroRefusesWithoutWriting() {
        DraftBudget budget = at("2024-03-12T10:00:00Z");

        assertThat(budget.tryTake(a, 0)).isFalse();

        assertThat(budget.used(a, LocalDate.of(2024, 3, 12))).isZero();
    }

    @Test
    void aLoweredLimitRefusesOnceTheCountIsAtOrAboveIt() {
        DraftBudget budget = at("2024-03-12T10:00:00Z");
        for (int i = 0; i < 5; i++) {
            assertThat(budget.tryTake(a, 10)).isTrue();
        }

        assertThat(budget.tryTake(a, 3)).isFalse();

        assertThat(budget.used(a, LocalDate.of(2024, 3, 12))).isEqualTo(5);
    }

    @Test
    void concurrentTakersNeverGoOverTheLimit() throws Exception {
        DraftBudget budget = at("2024-03-12T10:00:00Z");
        int threads = 8;
        int perThread = 10;
        int limit = 25;
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<Integer>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    int taken = 0;
                    for (int i = 0; i < perThread; i++) {
                        if (budget.tryTake(a, limit)) {
                            taken++;
                        }
                    }
                    return taken;
                }));
            }
            int total = 0;
            for (Future<Integer> f : results) {
                total += f.get();
            }
            assertThat(total).isEqualTo(limit);
        }
        assertThat(budget.used(a, LocalDate.of(2024, 3, 12))).isEqualTo(limit);
    }
}
