package io.tollgate.api.draft;

import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.db.Database;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Objects;

import static io.tollgate.tenant.db.Rows.integer;

/**
 * Each tenant's daily allowance of model-written drafts, counted in {@code draft_budget} (one row per tenant and UTC
 * day). The count is taken before the model is called, in one statement that adds one only while the day's count is
 * below the limit, so concurrent workers (in one process or several) never go over it. A call that then never
 * reached the model gives its draft back ({@link #giveBack}).
 *
 * <p>Every statement is scoped by the tenant id first. Rows of past days stay (they are small, one per tenant and day,
 * and go with the tenant when it is deleted).
 */
public final class DraftBudget {
    private static final String TAKE = """
            INSERT INTO draft_budget (tenant_id, day, used) VALUES (?, ?, 1)
            ON CONFLICT (tenant_id, day) DO UPDATE SET used = draft_budget.used + 1
             WHERE draft_budget.used < ?
            RETURNING used""";

    private static final String GIVE_BACK = """
            UPDATE draft_budget SET used = used - 1 WHERE tenant_id = ? AND day = ? AND used > 0""";

    private static final String USED = "SELECT used FROM draft_budget WHERE tenant_id = ? AND day = ?";

    private final Database db;
    private final Clock clock;

    public DraftBudget(Database db) {
        this(db, Clock.systemUTC());
    }

    /** @param clock tells the day; the day is always the UTC date of its instant */
    public DraftBudget(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Today's date in UTC, the day {@link #tryTake} counts in. */
    public LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    /**
     * Takes one draft from the tenant's allowance for today (UTC).
     *
     * @param dailyLimit the most drafts a tenant may have in a day; 0 or less refuses without a write
     * @return true when taken (today's count was below the limit and is now one higher), false when it is spent
     * @throws io.tollgate.tenant.db.DataException when the database cannot be used
     */
    public boolean tryTake(TenantId tenant, int dailyLimit) {
        return tryTake(tenant, today(), dailyLimit);
    }

    /** As {@link #tryTake(TenantId, int)}, counting on {@code day} (the {@link #today()} its caller took). */
    public boolean tryTake(TenantId tenant, LocalDate day, int dailyLimit) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(day, "day");
        if (dailyLimit <= 0) {
            return false;
        }
        return db.call(() -> db.client().execute().get(TAKE, tenant.value(), day, dailyLimit)).isPresent();
    }

    /**
     * Gives back one draft taken on {@code day} whose call never reached the model (never below zero).
     *
     * @throws io.tollgate.tenant.db.DataException when the database cannot be used
     */
    public void giveBack(TenantId tenant, LocalDate day) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(day, "day");
        db.call(() -> db.client().execute().update(GIVE_BACK, tenant.value(), day));
    }

    /** How many drafts the tenant took on {@code day}; 0 when none. */
    public int used(TenantId tenant, LocalDate day) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(day, "day");
        return db.call(() -> db.client().execute().get(USED, tenant.value(), day))
                .map(row -> integer(row, "used"))
                .orElse(0);
    }
}
