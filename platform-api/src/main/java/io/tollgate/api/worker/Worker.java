package io.tollgate.api.worker;

import io.tollgate.api.events.JobOutcome;
import io.tollgate.api.events.JobQueue;
import io.tollgate.api.helpdesk.Deadline;
import io.tollgate.api.helpdesk.NoteHold;
import io.tollgate.api.observe.LogContext;
import io.tollgate.api.observe.WorkerMetrics;
import io.tollgate.tenant.db.DataException;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The durable worker inside the server: one claimer thread takes due jobs from the {@link JobQueue} (fairly across
 * tenants, each tenant capped), and {@code concurrency} worker threads (the slots) run them with the
 * {@link JobRunner} and record their outcome. The claimer also samples the queue for metrics every
 * {@link WorkerSettings#reapEvery()}; expired leases go back to the queue on the heartbeat below.
 *
 * <p><b>Claimed ahead.</b> The claimer keeps a few jobs more than the slots claimed ({@link #ahead}: a quarter of the
 * concurrency, plus one) in a ready queue, so a slot that ends a run starts its next job at once instead of waiting
 * for a claim, and it claims in batches of {@link #claimBatch} (a quarter of the concurrency) while the queue has a
 * backlog, so one claim's statements and commit serve several jobs. A job claimed ahead is this worker's like a running
 * one: it is {@code running} in the queue, counts against its tenant's cap, and its lease is renewed by the heartbeat;
 * its deadline starts when its run starts; a stopping worker gives it back at once (its attempt not spent).
 *
 * <p><b>The outcome committed off the slot.</b> A slot is free for its next job as soon as its run ends; the run's
 * outcome (one commit: the job ended, the note it posted, its deferred bookkeeping) is recorded by a completer thread
 * meanwhile. {@code concurrency} bounds the jobs doing their work at once (their upstream calls, their transactions):
 * an outcome waiting for its commit does none of it. Until that commit the job stays this worker's ({@code running},
 * its lease renewed), so nothing changes for a crash; at most {@code concurrency} outcomes wait at once (a slot whose
 * run ended waits for a place), a completion that fails leaves the job to its lease as before, and a stopping worker
 * waits for the pending completions before it stops renewing leases.
 *
 * <p>Leases are short ({@link WorkerSettings#lease()}, 10 s by default): a heartbeat thread renews the leases of all
 * the jobs this worker runs in one statement every {@link WorkerSettings#renewEvery()} ({@link JobQueue#renew}), and
 * returns expired leases (other, dead workers' jobs) to the queue. So a run may take longer than a lease (up to its
 * deadline) and stay this worker's, while the jobs of a worker that died (SIGKILL, OOM, a lost node) are queued again
 * about a lease after its last renewal and taken by any live worker. A worker whose renewal found a job no longer its
 * own (it stalled for longer than the lease and another took the job over) cannot record that job's outcome:
 * {@link JobQueue#complete} needs the lease; the note ledger keeps the two runs from posting twice.
 *
 * <p>The same heartbeat statement extends the hold of every note one of this worker's runs is posting (its
 * {@link Deadline#held}, also for a run given up, until its post ends): a note is held for a job lease from the
 * renewal just before its post, so a slow post stays held while its worker lives, and a dead worker's note is free
 * about a lease after its last beat, like its jobs (the next attempt looks for it on the ticket before posting).
 *
 * <p>Each claim names this worker's instance ({@link InstanceLock}, {@code TOLLGATE_INSTANCE_ID}). At start, before its
 * first claim, a worker that holds its instance id puts the running jobs that id's earlier process left back in the
 * queue and ends that process's note holds ({@link JobQueue#resume}): an instance restarted in place resumes its own
 * work at once instead of waiting out its leases.
 *
 * <p>Every run has a deadline ({@link WorkerSettings#jobDeadline()}): the job runs on a virtual thread of its own
 * while the worker thread waits for it at most that long. Past it the worker gives the run up ({@link Deadline}: its
 * thread is interrupted unless it is posting its note, and it posts none from then on), records a retry or, once the
 * attempts are spent, a dead job, and takes the next job. A customer's text that is slow to read, or an upstream
 * that never answers, costs one run's deadline, not a worker for good. A run given up while posting its note is
 * waited for a little longer (at most {@code postWait}, the upstream timeouts), and its real outcome recorded: a note
 * posted past the deadline is a processed job, not a retry or a dead one.
 *
 * <p>An interrupt stops blocking calls, not work on the processor: a run given up may go on for a while on its own
 * thread, which no slot counts. The worker counts these abandoned runs until their threads end (the gauge
 * {@code tollgate_worker_abandoned_runs}) and claims nothing while they are as many as its concurrency, so at most
 * twice the concurrency of job threads ever run.
 *
 * <p>Stopping ({@link #close}): no new claims; running jobs get {@link WorkerSettings#stopGrace()} to finish; a job
 * still running after that is given back to the queue (its attempt not spent) and its thread interrupted. A job given
 * back while its thread still runs cannot post twice: the note ledger holds the note under its own lease, which the
 * heartbeat extends while that post goes on, and which close extends once more, for as long as the post can take
 * ({@code postWait}), as it stops the heartbeat.
 */
public final class Worker implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Worker.class.getName());

    private final JobQueue queue;
    private final JobRunner runner;
    private final WorkerSettings settings;
    private final WorkerMetrics metrics;
    private final ExecutorService pool;
    /** Every job this worker holds under a lease (ready, running, being completed): the heartbeat renews them. */
    private final Set<JobQueue.Job> running = ConcurrentHashMap.newKeySet();
    /** Jobs claimed ahead, in claim order, for the next free slot. */
    private final BlockingQueue<JobQueue.Job> ready = new LinkedBlockingQueue<>();
    /** Jobs claimed and not yet run to their end: those ready plus those a slot runs now. */
    private final AtomicInteger held = new AtomicInteger();
    /**
     * Where a run's outcome is committed once the run has ended, while its slot runs the next job: as many threads as
     * slots, and at most that many outcomes waiting ({@link #completing}; a slot whose run ended waits for a place).
     */
    private final ExecutorService completer;
    private final Semaphore completing;
    /** The jobs whose outcome {@link #completer} is committing now (still this worker's until it has). */
    private final Set<JobQueue.Job> recording = ConcurrentHashMap.newKeySet();
    /** The deadlines of the runs whose threads have not ended (given up or not): the notes they post are held. */
    private final Set<Deadline> live = ConcurrentHashMap.newKeySet();
    private final InstanceLock instance;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final AtomicInteger claimFailures = new AtomicInteger();
    /** Runs given up whose threads have not ended yet. */
    private final AtomicInteger abandoned = new AtomicInteger();
    private final Duration postWait;
    private final Thread claimer;
    private final Thread heartbeat;
    private final AtomicInteger renewFailures = new AtomicInteger();
    private volatile boolean stopping;
    /**
     * Jobs wanted before the claimer claims again while the queue has a backlog (the last claim filled every place it
     * asked for, less than a poll ago): a quarter of the concurrency, at least one. Claiming for two jobs instead of
     * one halves the claims (the walk, the lock and the claim statements, and a commit) per job.
     */
    private final int claimBatch;
    /**
     * Jobs claimed beyond the slots, ready for the next slot that frees: {@link #claimBatch} plus one, so the next
     * batch is claimed while a job is still ready, and a slot that frees meanwhile does not wait for the claim.
     */
    private final int ahead;
    /** When the last claim filled every slot it asked for ({@link System#nanoTime}); long ago when it did not. */
    private long lastFullClaim = System.nanoTime() - NO_BACKLOG;
    private static final long NO_BACKLOG = TimeUnit.DAYS.toNanos(1);
    /** Set once {@link #close} has ended every run: the heartbeat stops. */
    private volatile boolean closed;
    private long nextReapNanos;

    private Worker(JobQueue queue, JobRunner runner, WorkerSettings settings, WorkerMetrics metrics,
                   Duration postWait, InstanceLock instance) {
        this.instance = Objects.requireNonNull(instance, "instance");
        this.postWait = Objects.requireNonNull(postWait, "postWait");
        this.queue = Objects.requireNonNull(queue, "queue");
        this.runner = Objects.requireNonNull(runner, "runner");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.claimBatch = Math.max(1, settings.concurrency() / 4);
        this.ahead = claimBatch + 1;
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(settings.concurrency(), r -> {
            Thread t = new Thread(r, "tollgate-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        AtomicInteger c = new AtomicInteger();
        this.completer = Executors.newFixedThreadPool(settings.concurrency(), r -> {
            Thread t = new Thread(r, "tollgate-worker-complete-" + c.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.completing = new Semaphore(settings.concurrency());
        this.claimer = new Thread(this::claimLoop, "tollgate-worker-claimer");
        this.claimer.setDaemon(true);
        this.heartbeat = new Thread(this::heartbeatLoop, "tollgate-worker-heartbeat");
        this.heartbeat.setDaemon(true);
    }

    /**
     * Starts a worker; the caller closes it (which also releases {@code instance}). {@code postWait}: how long a run
     * given up while posting its note is still waited for (the upstream timeouts: connecting and reading an answer).
     * When this process holds its instance id ({@link InstanceLock#resumes}), what that id's earlier process left
     * running goes back to the queue first ({@code queue} names that instance).
     */
    public static Worker start(JobQueue queue, JobRunner runner, WorkerSettings settings, WorkerMetrics metrics,
                               Duration postWait, InstanceLock instance) {
        Worker w = new Worker(queue, runner, settings, metrics, postWait, instance);
        if (instance.resumes()) {
            try {
                JobQueue.Resumed resumed = queue.resume();
                if (resumed.requeued() + resumed.dead() + resumed.notesReleased() > 0) {
                    LOG.log(Level.WARNING, "instance " + instance.id() + " restarted with work left running: "
                            + resumed.requeued() + " jobs queued again at once, " + resumed.dead()
                            + " dead (out of attempts), " + resumed.notesReleased() + " note holds ended");
                }
            } catch (DataException e) {
                // its leases run out instead
                LOG.log(Level.WARNING, "could not take back the jobs instance " + instance.id() + " left running"
                        + " (they are taken over when their leases run out): " + e.getMessage());
            }
        }
        for (int i = 0; i < settings.concurrency(); i++) {
            w.pool.execute(w::slotLoop);
        }
        w.claimer.start();
        w.heartbeat.start();
        LOG.log(Level.INFO, "worker started: " + settings.concurrency() + " at once, at most " + settings.tenantCap()
                + " per tenant, " + settings.jobDeadline().toMillis() + " ms a run, leases of "
                + settings.lease().toMillis() + " ms renewed every " + settings.renewEvery().toMillis() + " ms,"
                + " instance " + instance.id());
        return w;
    }

    /** Jobs this worker holds now: running, claimed ahead for its next free slot, or having their outcome recorded. */
    public int inFlight() {
        return running.size();
    }

    /** Runs this worker gave up at their deadline whose threads have not ended yet. */
    public int abandonedRuns() {
        return abandoned.get();
    }

    private void claimLoop() {
        while (!stopping) {
            try {
                maintain();
                if (abandoned.get() >= settings.concurrency()) {
                    await(settings.poll()); // as many given-up runs still run as this worker may run jobs
                    continue;
                }
                // the slots, and the jobs ready for them when they free
                int want = settings.concurrency() + ahead - held.get();
                if (want <= 0) {
                    await(settings.poll());
                    continue;
                }
                long sinceClaim = System.nanoTime() - lastFullClaim;
                if (want < claimBatch && sinceClaim < settings.poll().toNanos()) {
                    // a backlog: wait until another job is wanted (at most until a poll after the last claim), so
                    // that one claim takes several jobs; a claim costs the same statements for one job as for eight
                    await(Duration.ofNanos(settings.poll().toNanos() - sinceClaim));
                    continue;
                }
                // the claim's commit also takes the Gorgias calls the claimed jobs are about to make
                List<JobQueue.Job> jobs = queue.claim(want, settings.lease(), settings.tenantCap(), runner::prepare);
                // every place asked for was filled: more are likely waiting
                lastFullClaim = jobs.size() == want ? System.nanoTime() : System.nanoTime() - NO_BACKLOG;
                claimFailures.set(0);
                for (JobQueue.Job job : jobs) {
                    held.incrementAndGet();
                    running.add(job); // the heartbeat renews its lease from now on
                    ready.add(job);
                }
                if (jobs.size() < want) {
                    await(settings.poll());
                }
            } catch (DataException e) {
                int failures = claimFailures.incrementAndGet();
                if (failures == 1 || failures % 100 == 0) {
                    LOG.log(Level.WARNING, "worker cannot claim jobs (" + failures + " times in a row): "
                            + e.getMessage());
                }
                await(Duration.ofMillis(Math.min(5_000, settings.poll().toMillis() * (1L << Math.min(failures, 6)))));
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "worker claim loop error", e);
                await(Duration.ofSeconds(1));
            }
        }
    }

    /**
     * Every renewEvery until closed (also through the stop grace, while runs may still go on, and while a post goes
     * on after it): renews the leases of the jobs this worker runs and the holds of the notes its runs post, then
     * returns expired leases to the queue, so a dead worker's jobs and notes wait at most about lease + renewEvery.
     */
    private void heartbeatLoop() {
        while (!closed) {
            try {
                Thread.sleep(settings.renewEvery());
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            beat();
        }
    }

    private void beat() {
        try {
            List<JobQueue.Job> held = List.copyOf(running);
            List<NoteHold> posting = posting();
            if (!held.isEmpty() || !posting.isEmpty()) {
                long sent = System.nanoTime();
                JobQueue.Renewed beat = queue.renew(held, posting.stream().map(
                        n -> new JobQueue.HeldNote(n.tenant(), n.noteId(), n.attempt())).toList(), settings.lease());
                for (NoteHold note : posting) {
                    if (beat.notes().contains(note.noteId())) {
                        note.renewed(sent);
                    }
                }
                Set<UUID> renewed = beat.jobs();
                for (JobQueue.Job job : held) {
                    if (!renewed.contains(job.id()) && running.contains(job)) {
                        // ended just now, or taken over: complete() tells which and refuses a lost one's outcome
                        LOG.log(Level.DEBUG, "job " + job.id() + " was not renewed: finished, or no longer this"
                                + " worker's lease");
                    }
                }
            }
            reap();
            renewFailures.set(0);
        } catch (DataException e) {
            int failures = renewFailures.incrementAndGet();
            if (failures == 1 || failures % 20 == 0) {
                LOG.log(Level.WARNING, "worker cannot renew its leases (" + failures + " times in a row; another"
                        + " worker takes its jobs over once they run out): " + e.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "worker heartbeat error", e);
        }
    }

    /** The holds of the notes this worker's runs are posting now. */
    private List<NoteHold> posting() {
        return live.stream().flatMap(d -> d.held().stream()).toList();
    }

    private void reap() {
        JobQueue.Reaped reaped = queue.reapExpired();
        if (reaped.requeued() + reaped.dead() > 0) {
            LOG.log(Level.WARNING, "jobs whose worker stopped before finishing them (lease expired): "
                    + reaped.requeued() + " queued again, " + reaped.dead() + " dead (out of attempts)");
        }
    }

    /** Every reapEvery: a fresh sample of the queue for the gauges (the heartbeat returns expired leases). */
    private void maintain() {
        long now = System.nanoTime();
        if (now - nextReapNanos < 0) {
            return;
        }
        nextReapNanos = now + settings.reapEvery().toNanos();
        JobQueue.Stats s = queue.stats();
        metrics.queue(new WorkerMetrics.QueueSample(s.queued(), s.running(), s.dead(), s.oldestSeconds()));
    }

    /**
     * A slot: takes the next job claimed ahead as soon as there is one and runs it, until the worker stops (a job it
     * takes once the worker is stopping is given back, not run).
     */
    private void slotLoop() {
        while (true) {
            JobQueue.Job job;
            try {
                job = ready.poll(settings.poll().toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                return; // close() stops the slots now
            }
            if (job == null) {
                if (stopping) {
                    return;
                }
                continue;
            }
            if (stopping) {
                giveBack(job);
                continue;
            }
            runOne(job);
        }
    }

    /** Gives a job claimed ahead back to the queue, unrun: due now, its attempt not spent. */
    private void giveBack(JobQueue.Job job) {
        try {
            runner.forget(job);
            if (!queue.release(job, "given back: the worker stopped before the job ran")) {
                LOG.log(Level.DEBUG, "job " + job.id() + " claimed ahead was no longer this worker's");
            }
        } catch (DataException e) {
            // its lease runs out instead
            LOG.log(Level.WARNING, "could not give back job " + job.id() + " claimed ahead (its lease runs out"
                    + " instead): " + e.getMessage());
        } finally {
            running.remove(job);
            held.decrementAndGet();
        }
    }

    /**
     * Runs one job on the calling slot. Once the run has ended the slot is free for the next job, and the outcome is
     * committed apart ({@link #completer}): the job stays this worker's, its lease renewed, until that commit. What is
     * logged about it carries its event id and, once known, its tenant ({@link LogContext}).
     */
    private void runOne(JobQueue.Job job) {
        boolean handedOver = false;
        try (LogContext.Scope scope = LogContext.forEvent(job.eventId())) {
            JobRunner.Ran ran = runWithin(job);
            if (ran == null) {
                return; // this worker is stopping: close() gave the job back
            }
            completing.acquireUninterruptibly(); // at most `concurrency` outcomes wait for their commit
            recording.add(job);
            try {
                completer.execute(() -> {
                    try (LogContext.Scope completion = LogContext.forEvent(job.eventId())) {
                        record(job, ran);
                    } finally {
                        running.remove(job);
                        recording.remove(job);
                        completing.release();
                    }
                });
                handedOver = true;
            } catch (RejectedExecutionException stopped) {
                recording.remove(job);
                completing.release();
                record(job, ran);
            }
        } finally {
            if (!handedOver) {
                running.remove(job);
            }
            held.decrementAndGet();
            signal();
        }
    }

    /**
     * Records a run's outcome in one commit, with the note it posted and its deferred bookkeeping. A commit that fails
     * leaves the job to its lease: it runs again, and the note ledger keeps that from posting twice.
     */
    private void record(JobQueue.Job job, JobRunner.Ran ran) {
        ran.slug().ifPresent(LogContext::tenant);
        boolean recorded;
        try {
            // one commit: the outcome, the note the run posted, and the run's deferred bookkeeping
            recorded = queue.complete(job, ran.outcome(), ran.bookkeeping());
        } catch (DataException e) {
            // the lease runs out and the job is run again; the note ledger keeps that from posting twice
            LOG.log(Level.WARNING, "could not record the outcome of job " + job.id() + " (event " + job.eventId()
                    + "): " + e.getMessage());
            recorded = false;
        }
        String slug = ran.slug().orElse("other");
        metrics.job(slug, recorded ? outcomeLabel(ran.outcome()) : WorkerMetrics.JobOutcome.LOST);
        if (ran.noteKept()) {
            metrics.draftKept(slug);
        }
        if (ran.notePosted()) {
            metrics.draftPosted(slug);
        }
        if (ran.outcome() instanceof JobOutcome.Dead d && recorded) {
            LOG.log(Level.WARNING, "event " + job.eventId() + " is dead: " + d.reason());
        }
    }

    private static final int RUNNING = 0;
    private static final int ENDED = 1;
    private static final int ABANDONED = 2;

    /**
     * Runs the job on a virtual thread of its own and waits for it until its deadline; then gives the run up and
     * answers the deadline's outcome, or the run's own when it was posting its note and finished within
     * {@code postWait}. Null when this thread is interrupted (the worker is stopping) first.
     */
    private JobRunner.Ran runWithin(JobQueue.Job job) {
        Deadline deadline = new Deadline(Instant.now().plus(settings.jobDeadline()), Clock.systemUTC());
        CompletableFuture<JobRunner.Ran> result = new CompletableFuture<>();
        AtomicInteger state = new AtomicInteger(RUNNING);
        live.add(deadline);
        Thread.ofVirtual().name("tollgate-job-" + job.id()).start(() -> {
            try {
                deadline.runOn(Thread.currentThread());
                result.complete(runner.run(job, deadline));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            } finally {
                live.remove(deadline);
                if (!state.compareAndSet(RUNNING, ENDED)) {
                    abandonedEnded();
                }
            }
        });
        try {
            return result.get(Math.max(0, Duration.between(Instant.now(), deadline.at()).toNanos()),
                              TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            boolean posting = deadline.giveUp();
            try {
                // a post under way goes on (it cannot be taken back half way): its outcome is the run's
                JobRunner.Ran ran = result.get(posting ? postWait.toNanos() : 0, TimeUnit.NANOSECONDS);
                LOG.log(Level.WARNING, "job " + job.id() + " (event " + job.eventId() + ") passed its deadline of "
                        + settings.jobDeadline().toMillis() + " ms" + (posting ? " while posting its note" : "")
                        + "; the run's own outcome is recorded");
                return ran;
            } catch (TimeoutException stillRunning) {
                abandon(state);
                recordLateNote(job, result);
            } catch (ExecutionException failed) {
                return failed(job, failed);
            } catch (InterruptedException stopping) {
                abandon(state);
                recordLateNote(job, result);
                Thread.currentThread().interrupt();
                return null;
            }
            LOG.log(Level.WARNING, "job " + job.id() + " (event " + job.eventId() + ") passed its deadline of "
                    + settings.jobDeadline().toMillis() + " ms" + (posting ? " and was still posting its note "
                    + postWait.toMillis() + " ms later" : "") + "; its run was given up");
            return runner.deadlinePassed(job, settings.jobDeadline());
        } catch (ExecutionException e) {
            return failed(job, e);
        } catch (InterruptedException e) {
            deadline.giveUp();
            abandon(state);
            recordLateNote(job, result);
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * A run given up may still post its note (a post under way is not cut short): once it ends, the note it posted is
     * marked posted in the ledger (its job's outcome is the deadline's, recorded by this worker; completing with the
     * lost lease records only the note, or, if this worker has not recorded the deadline's outcome yet, ends the job
     * as done). Without it the next attempt would find the note by its external id on the ticket instead.
     */
    private void recordLateNote(JobQueue.Job job, CompletableFuture<JobRunner.Ran> result) {
        result.thenAccept(late -> {
            if (late.outcome() instanceof JobOutcome.Done d && d.note().isPresent()) {
                try {
                    queue.complete(job, late.outcome(), late.bookkeeping());
                } catch (DataException e) {
                    LOG.log(Level.WARNING, "could not record the note posted by a run given up (job " + job.id()
                            + "): " + e.getMessage());
                }
            }
        });
    }

    private JobRunner.Ran failed(JobQueue.Job job, ExecutionException e) {
        // JobRunner.run catches every RuntimeException: this is an Error
        LOG.log(Level.ERROR, "job " + job.id() + " (event " + job.eventId() + ") failed", e.getCause());
        return runner.failed(job, "internal error: " + e.getCause().getClass().getSimpleName());
    }

    /** Counts the run as abandoned unless its thread has already ended (then it ends the count itself later). */
    private void abandon(AtomicInteger state) {
        abandoned.incrementAndGet();
        metrics.abandonedRuns(1);
        if (!state.compareAndSet(RUNNING, ABANDONED)) {
            abandonedEnded(); // it ended meanwhile
        }
    }

    private void abandonedEnded() {
        abandoned.decrementAndGet();
        metrics.abandonedRuns(-1);
        signal();
    }

    private static WorkerMetrics.JobOutcome outcomeLabel(JobOutcome outcome) {
        return switch (outcome) {
            case JobOutcome.Done d -> WorkerMetrics.JobOutcome.DONE;
            case JobOutcome.Skipped s -> WorkerMetrics.JobOutcome.SKIPPED;
            case JobOutcome.Retry r -> WorkerMetrics.JobOutcome.RETRY;
            case JobOutcome.Defer d -> WorkerMetrics.JobOutcome.DEFERRED;
            case JobOutcome.Dead d -> WorkerMetrics.JobOutcome.DEAD;
        };
    }

    private void await(Duration d) {
        lock.lock();
        try {
            if (!stopping) {
                wake.await(d.toNanos(), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        } finally {
            lock.unlock();
        }
    }

    private void signal() {
        lock.lock();
        try {
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops claiming, gives back the jobs claimed ahead at once, waits for running jobs up to the grace period, then
     * gives back what is still running.
     */
    @Override
    public void close() {
        stopping = true;
        signal();
        try {
            claimer.join(settings.stopGrace().toMillis() + 5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // not started: back to the queue now, for another worker (the slots give back any they take from here on)
        for (JobQueue.Job job = ready.poll(); job != null; job = ready.poll()) {
            giveBack(job);
        }
        pool.shutdown();
        try {
            if (!pool.awaitTermination(settings.stopGrace().toMillis(), TimeUnit.MILLISECONDS)) {
                int given = 0;
                for (JobQueue.Job job : List.copyOf(running)) {
                    if (recording.contains(job)) {
                        continue; // its run has ended: its outcome is being committed
                    }
                    runner.forget(job);
                    try {
                        if (queue.release(job, "given back: the worker stopped before the job finished")) {
                            given++;
                        }
                    } catch (DataException e) {
                        // its lease runs out instead
                    }
                }
                pool.shutdownNow();
                LOG.log(Level.WARNING, "worker stopped with jobs still running; " + given
                        + " given back to the queue");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pool.shutdownNow();
        }
        // the outcomes of the runs that ended are committed before the heartbeat stops renewing their leases
        completer.shutdown();
        try {
            if (!completer.awaitTermination(Math.max(5_000, settings.stopGrace().toMillis()), TimeUnit.MILLISECONDS)) {
                LOG.log(Level.WARNING, "worker stopped with outcomes not yet recorded (" + recording.size()
                        + "): those jobs run again once their leases run out");
                completer.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            completer.shutdownNow();
        }
        closed = true;
        heartbeat.interrupt();
        try {
            heartbeat.join(2_000); // a beat under way ends first, so it cannot shorten the hold below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // a post still on its way (a run given up while posting) may outlive the heartbeat, stopped now: its note is
        // held once more for as long as the post can take (the upstream timeouts), so no other attempt races it
        List<NoteHold> posts = posting();
        if (!posts.isEmpty()) {
            try {
                queue.renew(List.of(), posts.stream().map(n -> new JobQueue.HeldNote(n.tenant(), n.noteId(),
                                                                                      n.attempt())).toList(),
                            postWait.compareTo(settings.lease()) > 0 ? postWait : settings.lease());
            } catch (DataException e) {
                // their holds run out a lease after the last beat
            }
        }
        instance.close();
        LOG.log(Level.INFO, "worker stopped");
    }
}
