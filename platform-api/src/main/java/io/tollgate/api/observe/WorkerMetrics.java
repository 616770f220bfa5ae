package io.tollgate.api.observe;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The worker's series (CONTRACT §4): {@code tollgate_queue_depth{status}} and {@code tollgate_queue_oldest_seconds}
 * (the queue as the database holds it, sampled by {@link #queue}; every instance reports the same fleet-wide value,
 * so aggregate with {@code max}, not {@code sum}), {@code tollgate_jobs_total{tenant,outcome}} and
 * {@code tollgate_drafts_posted_total{tenant}} (notes posted to Gorgias) and {@code tollgate_drafts_kept_total{tenant}}
 * (notes a draft-only tenant's worker drafted and kept, posting nothing), with the tenant label bounded like
 * ingress's; and
 * {@code tollgate_worker_abandoned_runs}, the runs this instance gave up at their deadline whose threads still run.
 * The per-tenant counters of a labelled tenant exist from 0, every outcome, from the moment the tenant is
 * {@link #known known} ({@code other}'s from the start): {@code increase()} cannot see a series' first sample, so a
 * series that appeared at 1 would hide a tenant's first dead job from the alert.
 */
public final class WorkerMetrics {
    /** How a job's run ended. */
    public enum JobOutcome {
        /** processed (a note posted, found, or already there; a Shopify event applied) */
        DONE,
        /** nothing to do (an internal note, an agent's message, Tollgate's own note) */
        SKIPPED,
        /** failed, queued again with backoff */
        RETRY,
        /** waits without spending an attempt (pacing, the note held by another attempt) */
        DEFERRED,
        /** failed for good or out of attempts */
        DEAD,
        /** the worker lost the job's lease before it could record the outcome */
        LOST;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A sample of the queue. */
    public record QueueSample(long queued, long running, long dead, double oldestSeconds) {
        static final QueueSample EMPTY = new QueueSample(0, 0, 0, 0);
    }

    private final MeterRegistry registry;
    private final TenantLabels labels;
    private final AtomicReference<QueueSample> sample = new AtomicReference<>(QueueSample.EMPTY);
    private final Map<String, Counter> jobs = new ConcurrentHashMap<>();
    private final Map<String, Counter> drafts = new ConcurrentHashMap<>();
    private final Map<String, Counter> kept = new ConcurrentHashMap<>();
    private final AtomicLong abandoned = new AtomicLong();

    public WorkerMetrics(MeterRegistry registry, TenantLabels labels) {
        this.registry = registry;
        this.labels = labels;
        depth("queued", QueueSample::queued);
        depth("running", QueueSample::running);
        depth("dead", QueueSample::dead);
        ProcessMeters.gauge(registry, "tollgate.queue.oldest.seconds",
                            "Age of the most overdue queued job (0 when none waits)", List.of(),
                            () -> sample.get().oldestSeconds());
        ProcessMeters.gauge(registry, "tollgate.worker.abandoned.runs",
                            "Runs given up at their deadline whose threads have not ended yet", List.of(),
                            abandoned::get);
        known(TenantLabels.OTHER);
    }

    /**
     * A tenant exists (at startup, or created on any instance): its label's counters, every outcome, start at 0
     * now rather than at 1 with its first job. A slug the labels fold into {@code other} adds nothing.
     */
    public void known(String slug) {
        String tenant = TenantLabels.OTHER.equals(slug) ? slug : labels.label(slug);
        for (JobOutcome outcome : JobOutcome.values()) {
            jobCounter(tenant, outcome);
        }
        draftCounter(tenant);
        keptCounter(tenant);
    }

    /** A run given up at its deadline still runs ({@code +1}), or such a run's thread ended ({@code -1}). */
    public void abandonedRuns(int delta) {
        abandoned.addAndGet(delta);
    }

    private void depth(String status, java.util.function.ToLongFunction<QueueSample> read) {
        ProcessMeters.gauge(registry, "tollgate.queue.depth", "Jobs in the queue by status",
                            List.of(Tag.create("status", status)), () -> read.applyAsLong(sample.get()));
    }

    /** Records the latest sample of the queue. */
    public void queue(QueueSample latest) {
        sample.set(latest);
    }

    public QueueSample lastQueueSample() {
        return sample.get();
    }

    public void job(String slug, JobOutcome outcome) {
        jobCounter(labels.label(slug), outcome).increment();
    }

    public void draftPosted(String slug) {
        draftCounter(labels.label(slug)).increment();
    }

    /** A draft-only tenant's note was drafted and kept (not posted: never counted in the posted drafts). */
    public void draftKept(String slug) {
        keptCounter(labels.label(slug)).increment();
    }

    private Counter keptCounter(String tenant) {
        return kept.computeIfAbsent(tenant, k -> registry.getOrCreate(
                Counter.builder("tollgate.drafts.kept")
                        .description("Internal notes drafted and kept, not posted (draft-only tenants), by tenant")
                        .tags(List.of(Tag.create("tenant", tenant)))));
    }

    private Counter jobCounter(String tenant, JobOutcome outcome) {
        return jobs.computeIfAbsent(tenant + '\u0000' + outcome.label(), k -> registry.getOrCreate(
                Counter.builder("tollgate.jobs")
                        .description("Job runs by tenant and outcome")
                        .tags(List.of(Tag.create("tenant", tenant), Tag.create("outcome", outcome.label())))));
    }

    private Counter draftCounter(String tenant) {
        return drafts.computeIfAbsent(tenant, k -> registry.getOrCreate(
                Counter.builder("tollgate.drafts.posted")
                        .description("Internal notes posted to Gorgias by tenant")
                        .tags(List.of(Tag.create("tenant", tenant)))));
    }
}
