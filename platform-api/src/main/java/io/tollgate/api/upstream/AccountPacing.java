package io.tollgate.api.upstream;

import io.helidon.dbclient.DbRow;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.db.Rows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * A budget of calls per upstream account for the whole fleet, kept in PostgreSQL: at most {@code calls} calls in any
 * {@code window} per account (Gorgias: 40 in any 20 s per account, whichever tenant, pod or feature makes them). Two
 * tenants on one account share its budget.
 *
 * <p>A sliding-window log ({@code upstream_calls}, one row per call): a take locks the account (a transaction-scoped
 * advisory lock), drops the account's rows older than the window, and inserts a row unless the window already holds
 * {@code calls} rows or the account is held ({@code upstream_holds}); otherwise it tells how long until the oldest
 * call that matters leaves the window, or the hold ends. Every time is the database's clock, so pods whose clocks
 * disagree still agree on the window. Never blocks beyond the lock of another pod's take of the same account.
 *
 * <p>A call that never left is given back ({@link #release}). A call's row is moved to the time its answer came
 * ({@link #ended}): the upstream saw the call somewhere between the take and the answer, so counting it from the
 * answer keeps the next call at least a window after the upstream saw this one. An answer can close the account for
 * a while (a 429's {@code Retry-After}, or a call-limit header saying the account is at its limit): every pod then
 * waits it out.
 */
public final class AccountPacing {
    /** The first key of the advisory locks of accounts (the second is a hash of the account). */
    private static final int LOCK_CLASS = 0x70616365; // "pace"

    /**
     * Parameters: account, window, account, account, window, calls, account, window. The window's oldest call that
     * matters is the {@code calls}-th newest: with {@code calls} calls in the window, the next may go once it leaves.
     */
    private static final String TAKE = """
            WITH pruned AS (
              DELETE FROM upstream_calls WHERE account = ? AND at <= statement_timestamp() - make_interval(secs => ?::float8)
            ), held AS (
              SELECT until FROM upstream_holds WHERE account = ? AND until > statement_timestamp()
            ), spent AS (
              SELECT at FROM upstream_calls WHERE account = ? AND at > statement_timestamp() - make_interval(secs => ?::float8)
               ORDER BY at DESC OFFSET ?::int - 1 LIMIT 1
            ), taken AS (
              INSERT INTO upstream_calls (account, at)
              SELECT ?, statement_timestamp() WHERE NOT EXISTS (SELECT 1 FROM held) AND NOT EXISTS (SELECT 1 FROM spent)
              RETURNING id
            )
            SELECT (SELECT id FROM taken) AS id,
                   extract(epoch FROM greatest((SELECT until FROM held),
                                               (SELECT at FROM spent) + make_interval(secs => ?::float8))
                                      - statement_timestamp())::float8 AS wait""";

    /** Parameters: call id, account, hold seconds, hold seconds. */
    private static final String ENDED = """
            WITH ended AS (
              UPDATE upstream_calls SET at = greatest(at, clock_timestamp()) WHERE id = ?
            )
            INSERT INTO upstream_holds (account, until)
            SELECT ?, clock_timestamp() + make_interval(secs => ?::float8) WHERE ?::float8 > 0
            ON CONFLICT (account) DO UPDATE SET until = greatest(upstream_holds.until, EXCLUDED.until)""";

    private final Database db;
    private final Upstream upstream;
    private final int calls;
    private final Duration window;
    private final Function<ResolvedTenant, String> account;
    /** Calls taken ahead for the job this thread runs ({@link #prepay}). */
    private final ThreadLocal<java.util.Deque<Turn.Taken>> prepaid = new ThreadLocal<>();

    /**
     * @param account the tenant's account at the upstream (Gorgias: its domain); tenants with the same share a budget
     */
    public AccountPacing(Database db, Upstream upstream, int calls, Duration window,
                         Function<ResolvedTenant, String> account) {
        if (calls < 1) {
            throw new IllegalArgumentException("calls must be at least 1");
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive");
        }
        this.db = Objects.requireNonNull(db, "db");
        this.upstream = Objects.requireNonNull(upstream, "upstream");
        this.calls = calls;
        this.window = window;
        this.account = Objects.requireNonNull(account, "account");
    }

    public int calls() {
        return calls;
    }

    public Duration window() {
        return window;
    }

    /** What a take gave: a call that may go now, or the wait before the account has room again. */
    public sealed interface Turn {
        /** The call may go; {@code call} identifies its row in the log. */
        record Taken(String account, long call) implements Turn {
        }

        /** The account's budget is spent (or the account held): try again after {@code after}. */
        record Wait(Duration after) implements Turn {
        }
    }

    /** The key of the tenant's account in the log: the upstream's label and the account, lower-cased. */
    public String accountOf(ResolvedTenant tenant) {
        return upstream.label() + ":" + account.apply(tenant).toLowerCase(Locale.ROOT);
    }

    /**
     * Takes a call of the tenant's account's budget, or says how long until there is room. A call this thread was
     * {@link #prepay prepaid} for the account is used first (no database work).
     */
    public Turn take(ResolvedTenant tenant) {
        String key = accountOf(tenant);
        java.util.Deque<Turn.Taken> mine = prepaid.get();
        if (mine != null) {
            for (java.util.Iterator<Turn.Taken> it = mine.iterator(); it.hasNext(); ) {
                Turn.Taken t = it.next();
                if (t.account().equals(key)) {
                    it.remove();
                    return t;
                }
            }
        }
        return db.inTransaction(tx -> take(tx, key));
    }

    private Turn take(io.helidon.dbclient.DbExecute tx, String key) {
        double seconds = seconds(window);
        tx.get("SELECT pg_advisory_xact_lock(?, hashtext(?))", LOCK_CLASS, key);
        DbRow row = tx.get(TAKE, key, seconds, key, key, seconds, calls, key, seconds).orElseThrow();
        Optional<Long> id = Rows.optBigint(row, "id");
        if (id.isPresent()) {
            return new Turn.Taken(key, id.get());
        }
        double wait = row.column("wait").getDouble();
        return new Turn.Wait(Duration.ofNanos((long) Math.ceil(Math.max(wait, 0.001) * 1e9)));
    }

    /**
     * Takes up to {@code n} calls of the tenant's account's budget within the caller's transaction {@code tx} (the
     * worker's claim: the calls a job is about to make, taken with the claim's commit instead of one commit each):
     * fewer, or none, when the window has no room for all. Each counts in the window from now, as any take; one not
     * used is given back ({@link #unusedPrepaid}).
     */
    public List<Turn.Taken> takeIn(io.helidon.dbclient.DbExecute tx, ResolvedTenant tenant, int n) {
        String key = accountOf(tenant);
        List<Turn.Taken> taken = new ArrayList<>();
        for (int i = 0; i < n && take(tx, key) instanceof Turn.Taken t; i++) {
            taken.add(t);
        }
        return taken;
    }

    /** The calls this thread may make without a take of its own (from {@link #takeIn}), until {@link #unusedPrepaid}. */
    public void prepay(List<Turn.Taken> turns) {
        prepaid.set(new java.util.ArrayDeque<>(turns));
    }

    /** Ends this thread's prepaid calls: those not used are given back ({@link #release}). */
    public void unusedPrepaid() {
        java.util.Deque<Turn.Taken> mine = prepaid.get();
        prepaid.remove();
        if (mine != null) {
            mine.forEach(this::release);
        }
    }

    /**
     * Gives back a call that never left (the circuit breaker refused it after the take, or a prepaid call not needed).
     * Deferred to the thread's next transaction when it defers ({@link Database#defer}): until then the call still
     * counts, which only makes the budget stricter.
     */
    public void release(Turn.Taken taken) {
        db.defer("DELETE FROM upstream_calls WHERE id = ?", taken.call());
    }

    /**
     * The call's answer came (or it failed): its time in the window becomes now; when {@code hold} is positive, the
     * account takes no call for that long, on any pod. The time is the database's clock when the write runs: deferred
     * to the thread's next transaction ({@link Database#defer}: the worker's next commit, milliseconds later), it is
     * later still, which keeps the next call at least a window after the upstream saw this one.
     */
    public void ended(Turn.Taken taken, Duration hold) {
        double seconds = hold.isNegative() ? 0 : seconds(hold);
        db.defer(ENDED, taken.call(), taken.account(), seconds, seconds);
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
