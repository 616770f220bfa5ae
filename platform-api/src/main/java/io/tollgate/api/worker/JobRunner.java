package io.tollgate.api.worker;

import io.tollgate.api.datarequests.DataRequests;
import io.tollgate.api.events.EventStore;
import io.tollgate.api.events.JobOutcome;
import io.tollgate.api.events.JobQueue;
import io.tollgate.api.events.StoredEvent;
import io.tollgate.api.helpdesk.Deadline;
import io.tollgate.api.helpdesk.Handled;
import io.tollgate.api.helpdesk.TicketResponder;
import io.tollgate.api.observe.LogContext;
import io.tollgate.api.observe.WorkerMetrics;
import io.tollgate.api.privacy.Erasure;
import io.tollgate.api.shopify.ShopifyEventHandler;
import io.tollgate.api.upstream.AccountPacing;
import io.helidon.dbclient.DbExecute;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.db.Database;
import io.tollgate.api.shopify.ShopifyEvents;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.TenantStatus;
import io.tollgate.tenant.db.DataException;
import io.tollgate.tenant.resolve.TenantResolver;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.random.RandomGenerator;

/**
 * Runs one claimed job: loads its event, resolves its tenant (cached, by id), hands a Gorgias event to the
 * {@link TicketResponder} and a Shopify event to the {@link ShopifyEventHandler} (a customers/data_request it read
 * opens the operator's request in {@link DataRequests}), and turns what they did into a
 * {@link JobOutcome} (failures through the {@link RetrySchedule}). It never throws: an unexpected error is a retry,
 * logged with its stack trace.
 */
public final class JobRunner {
    private static final System.Logger LOG = System.getLogger(JobRunner.class.getName());

    private final EventStore events;
    private final TenantResolver tenants;
    private final TicketResponder tickets;
    private final ShopifyEventHandler shopify;
    private final DataRequests dataRequests;
    private final RetrySchedule schedule;
    private final WorkerMetrics metrics;
    private final Clock clock;
    private final RandomGenerator random = new Random();
    private final Optional<AccountPacing> pacing;
    private final Duration lease;
    /** The Gorgias calls taken for claimed jobs by {@link #prepare}, until each runs. */
    private final Map<UUID, List<AccountPacing.Turn.Taken>> prepaid = new ConcurrentHashMap<>();

    /**
     * How long before a job's claim a privacy erasure of its tenant still fences the job's writes: the erasure's
     * record is written just before it commits, and a claim in between read the event as it was before the erasure.
     */
    static final Duration ERASURE_MARGIN = Duration.ofSeconds(10);

    /**
     * A run's deferred writes ({@link Database#deferring}) go with its completion.
     *
     * @param pacing the fleet budget of Gorgias calls, taken ahead within the claim ({@link #prepare}); none: each call
     *               takes its own
     * @param lease the job lease the claims take ({@link WorkerSettings#lease()}): a job's claim time on the
     *              database's clock is its first lease's end less this
     */
    public JobRunner(EventStore events, TenantResolver tenants, TicketResponder tickets,
                     ShopifyEventHandler shopify, DataRequests dataRequests, RetrySchedule schedule,
                     WorkerMetrics metrics, Clock clock, Optional<AccountPacing> pacing, Duration lease) {
        this.lease = Objects.requireNonNull(lease, "lease");
        this.pacing = Objects.requireNonNull(pacing, "pacing");
        this.events = events;
        this.tenants = tenants;
        this.tickets = tickets;
        this.shopify = shopify;
        this.dataRequests = dataRequests;
        this.schedule = schedule;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * What ran, for the caller's bookkeeping: the outcome and the tenant's slug (for metrics), if known; whether a
     * note was posted now, or drafted and kept (a draft-only tenant's: {@code noteKept}, never counted as posted); and
     * the run's deferred writes ({@code bookkeeping}: the end of its upstream calls in the fleet budgets) for the completion's
     * commit.
     */
    public record Ran(JobOutcome outcome, Optional<String> slug, boolean notePosted, boolean noteKept,
                      List<Database.Deferred> bookkeeping) {
        public Ran {
            bookkeeping = List.copyOf(bookkeeping);
        }

        public Ran(JobOutcome outcome, Optional<String> slug, boolean notePosted, boolean noteKept) {
            this(outcome, slug, notePosted, noteKept, List.of());
        }

        public Ran(JobOutcome outcome, Optional<String> slug, boolean notePosted) {
            this(outcome, slug, notePosted, false, List.of());
        }
    }

    /** How many Gorgias calls a ticket job makes on its normal path: the ticket read and the note. */
    static final int GORGIAS_CALLS = 2;

    /**
     * Within a claim's transaction ({@link JobQueue#claim}): takes the Gorgias calls each claimed Gorgias job is about
     * to make (the ticket read and the note) from its account's fleet budget, so they cost no commits of their own.
     * A job whose account has no room gets fewer or none, and takes as usual when it calls. What a run does not use is
     * given back with its completion.
     */
    public void prepare(DbExecute tx, List<JobQueue.Job> jobs) {
        if (pacing.isEmpty()) {
            return;
        }
        for (JobQueue.Job job : jobs) {
            if (job.event().map(e -> e.provider() != Provider.GORGIAS).orElse(true)) {
                continue;
            }
            Optional<ResolvedTenant> tenant;
            try {
                tenant = tenants.resolve(job.tenant());
            } catch (DataException e) {
                continue; // the run resolves it again, and takes as usual
            }
            if (tenant.isEmpty() || tenant.get().tenant().status() == TenantStatus.SUSPENDED) {
                continue;
            }
            try {
                pacing.get().accountOf(tenant.get()); // a tenant without a Gorgias account: the run skips or fails
            } catch (RuntimeException e) {
                continue;
            }
            List<AccountPacing.Turn.Taken> taken = pacing.get().takeIn(tx, tenant.get(), GORGIAS_CALLS);
            if (!taken.isEmpty()) {
                prepaid.put(job.id(), taken);
            }
        }
    }

    /**
     * Runs the job within {@code deadline} (the ticket responder posts no note after it), with its event id, and its
     * tenant's slug once resolved, in the {@link LogContext}: every line logged for it (the upstream callers' failures
     * included) names both.
     */
    public Ran run(JobQueue.Job job, Deadline deadline) {
        List<AccountPacing.Turn.Taken> turns = prepaid.remove(job.id());
        Database.Deferring<Ran> ran = Database.deferring(() -> {
            pacing.ifPresent(p -> p.prepay(turns == null ? List.of() : turns));
            try {
                // nothing the run read before a privacy erasure of its tenant is written after it (Erasure.fence)
                return Database.fenced(Erasure.fence(job.tenant(), job.eventId(),
                                                     job.leaseExpiresAt().minus(lease).minus(ERASURE_MARGIN)),
                                       () -> runDeferring(job, deadline));
            } finally {
                pacing.ifPresent(AccountPacing::unusedPrepaid);
            }
        });
        Ran r = ran.result();
        return new Ran(r.outcome(), r.slug(), r.notePosted(), r.noteKept(), ran.pending());
    }

    /** Gives back the calls taken for a claimed job that will not run (its worker stopped first). */
    public void forget(JobQueue.Job job) {
        List<AccountPacing.Turn.Taken> turns = prepaid.remove(job.id());
        if (turns != null && pacing.isPresent()) {
            try {
                turns.forEach(pacing.get()::release);
            } catch (DataException e) {
                // they leave the window by themselves
            }
        }
    }

    private Ran runDeferring(JobQueue.Job job, Deadline deadline) {
        try (LogContext.Scope scope = LogContext.forEvent(job.eventId())) {
            Optional<String> slug = Optional.empty();
            try {
                Optional<StoredEvent> event = job.event().isPresent() ? job.event()
                        : events.stored(job.tenant(), job.eventId());
                if (event.isEmpty()) {
                    return new Ran(new JobOutcome.Skipped("the event is gone (retention or deletion)"), slug, false);
                }
                Optional<ResolvedTenant> tenant = tenants.resolve(job.tenant());
                if (tenant.isEmpty()) {
                    return new Ran(new JobOutcome.Skipped("the tenant is gone"), slug, false);
                }
                slug = Optional.of(tenant.get().tenant().slug());
                LogContext.tenant(slug.get());
                if (tenant.get().tenant().status() == TenantStatus.SUSPENDED) {
                    return new Ran(new JobOutcome.Dead("the tenant is suspended; replay the event after resuming it"),
                                   slug, false);
                }
                return switch (event.get().provider()) {
                    case GORGIAS -> gorgias(job, tenant.get(), event.get(), slug, deadline);
                    case SHOPIFY -> new Ran(shopify(job, event.get(), tenant.get()), slug, false);
                };
            } catch (DataException.Fenced e) {
                // what the run read may be what the erasure erased: it runs again, on what is left, with no attempt
                // spent (a body the erasure tombstoned is skipped then)
                LOG.log(Level.INFO, "job " + job.id() + " of event " + job.eventId() + ": " + e.getMessage());
                return new Ran(new JobOutcome.Defer(now().plus(ERASURE_MARGIN), e.getMessage()), slug, false);
            } catch (DataException e) {
                LOG.log(Level.WARNING, "job " + job.id() + " of event " + job.eventId() + ": database: "
                        + e.getMessage());
                return new Ran(failure(job, "database: " + e.getMessage(), Optional.empty()), slug, false);
            } catch (CancellationException e) {
                // the worker gave the run up and interrupted it while it read the customer's text
                LOG.log(Level.INFO, "job " + job.id() + " of event " + job.eventId() + ": " + e.getMessage());
                return new Ran(failure(job, "the run was given up: " + e.getMessage(), Optional.empty()), slug,
                               false);
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "job " + job.id() + " of event " + job.eventId() + " failed unexpectedly", e);
                return new Ran(failure(job, "internal error: " + e.getClass().getSimpleName(), Optional.empty()),
                               slug, false);
            }
        }
    }

    private Ran gorgias(JobQueue.Job job, ResolvedTenant tenant, StoredEvent event, Optional<String> slug,
                        Deadline deadline) {
        Handled handled = tickets.respond(tenant, job.eventId(), event.body(), deadline);
        JobOutcome outcome = switch (handled) {
            case Handled.Posted p -> new JobOutcome.Done(Optional.of(
                    new JobOutcome.PostedNote(p.noteId(), p.upstreamMessageId())));
            case Handled.AlreadyPosted p -> new JobOutcome.Done();
            case Handled.Drafted d -> new JobOutcome.Done();
            case Handled.AlreadyDrafted d -> new JobOutcome.Done();
            case Handled.Skipped s -> new JobOutcome.Skipped(s.reason());
            case Handled.Later l when !l.failure() -> new JobOutcome.Defer(now().plus(l.after()), l.reason());
            case Handled.Later l -> failure(job, l.reason(), Optional.of(l.after()));
            case Handled.Failed f -> new JobOutcome.Dead(f.reason());
        };
        return new Ran(outcome, slug, handled instanceof Handled.Posted p && !p.found(),
                       handled instanceof Handled.Drafted);
    }

    private JobOutcome shopify(JobQueue.Job job, StoredEvent event, ResolvedTenant tenant) {
        ShopifyEvents.Outcome applied = shopify.apply(tenant, job.eventId(), event.topic().orElse(""),
                                                             event.body());
        return switch (applied) {
            case ShopifyEvents.Malformed m -> new JobOutcome.Dead("the Shopify payload cannot be applied: "
                                                                          + m.reason());
            case ShopifyEvents.Ignored i -> new JobOutcome.Skipped("skipped: topic " + i.topic()
                                                                           + " is stored, not acted on");
            // a guarded topic whose body is not that topic's, or an uninstall Shopify does not confirm
            case ShopifyEvents.NotApplied n -> new JobOutcome.Skipped(n.reason());
            // a known topic deliberately not applied (orders/edited: not a whole order)
            case ShopifyEvents.Skipped s -> new JobOutcome.Skipped(s.reason());
            case ShopifyEvents.Later l -> failure(job, l.reason(), Optional.of(l.after()));
            // customers/data_request: the request the operator answers, opened once per event and Shopify request
            case ShopifyEvents.Recorded r -> {
                dataRequests.open(tenant.id(), job.eventId(), r.request());
                yield new JobOutcome.Done();
            }
            default -> new JobOutcome.Done();
        };
    }

    /**
     * The outcome of a run the worker gave up at its deadline ({@code after} from its start): retried with backoff,
     * spending the attempt, or dead when that was the last one. The tenant's slug (for metrics) comes from the
     * resolver's cache when it can.
     */
    public Ran deadlinePassed(JobQueue.Job job, Duration after) {
        return failed(job, "the job's deadline of " + after.toMillis() + " ms passed before it finished; the run was"
                + " given up");
    }

    /** The outcome of a run that failed outside {@link #run} (its thread died): retried, or dead when out of attempts. */
    public Ran failed(JobQueue.Job job, String reason) {
        Optional<String> slug;
        try {
            slug = tenants.resolve(job.tenant()).map(t -> t.tenant().slug());
        } catch (RuntimeException e) {
            slug = Optional.empty();
        }
        return new Ran(failure(job, reason, Optional.empty()), slug, false);
    }

    private JobOutcome failure(JobQueue.Job job, String reason, Optional<Duration> retryAfter) {
        String withAttempt = reason + " (attempt " + job.attempts() + " of " + job.maxAttempts() + ")";
        if (job.attempts() >= job.maxAttempts()) {
            return new JobOutcome.Dead(withAttempt);
        }
        // the tenant's retry budget (job.maxAttempts) decides when to stop; the schedule only how long to wait
        return new JobOutcome.Retry(now().plus(schedule.next(job.attempts(), retryAfter.filter(d -> !d.isZero()),
                                                             random)), withAttempt);
    }

    private Instant now() {
        return clock.instant();
    }
}
