package io.tollgate.api.ingest;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.api.http.ApiException;
import io.tollgate.api.http.ClientFaults;
import io.tollgate.api.http.ErrorHandling;
import io.tollgate.api.http.RouteTable;
import io.tollgate.api.input.Bodies;
import io.tollgate.api.net.BufferBudget;
import io.tollgate.api.net.FailureLimiter;
import io.tollgate.api.net.Peers;
import io.tollgate.api.observe.IngressMetrics;
import io.tollgate.api.observe.IngressMetrics.Outcome;
import io.tollgate.api.observe.LogContext;
import io.tollgate.api.observe.TenantLabels;
import io.tollgate.tenant.EventId;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.Secret;
import io.tollgate.tenant.Slug;
import io.tollgate.tenant.db.DataException;
import io.tollgate.tenant.resolve.TenantResolver;
import io.tollgate.tenant.verify.HeaderLookup;
import io.tollgate.tenant.verify.WebhookVerifier;

import java.lang.System.Logger.Level;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * {@code POST /webhooks/{tenant}/gorgias} and {@code /shopify}: the hot path. Checks in CONTRACT §1's order: tenant
 * (404/403; a look-up that misses the cache runs in ingress's bounded share of the database), declared size (413),
 * then room for the body before a byte of it is read (503 and the connection closed: the client address's turn, the
 * tenant's concurrency, the process's budget of buffered bytes, {@link BufferBudget}; a delivery whose headers alone
 * cannot be authentic takes neither of the last two: its body is read through and dropped, then 401), the body read
 * within the limit (413, or 400/408 for broken or stalled framing), its signature
 * (401; forged traffic never touches the tenant's bucket, and an address that keeps forging waits for its 401s), the
 * tenant's rate (429); an identical repeat of a delivery this process committed moments ago is answered then, from
 * memory ({@link RecentDeliveries}: 200 duplicate, as the database would answer); else its ack deadline and the
 * database (503), the body's JSON (400, kept as a rejected event), then a durable insert-or-find, group-committed
 * with the deliveries waiting at the same moment (202 first copy, 200 duplicate). The tenant's permit and the body's bytes are held until the answer.
 *
 * <p>Failure policy: never a 2xx unless the event and its job are committed.
 *
 * <p>Log lines written for a delivery carry its tenant (once resolved; never a stranger's slug) and, once stored, its
 * event id ({@link LogContext}; the request id comes from the request filter). Each answered delivery is one
 * {@code DEBUG} line (set this logger to {@code FINE} to see them).
 */
public final class IngestService implements HttpService {
    private static final System.Logger LOG = System.getLogger(IngestService.class.getName());
    /** Headers kept with an event; never the secret-bearing ones (X-Tollgate-Token, signatures). */
    private static final List<String> KEPT_HEADERS = List.of(
            "content-type", "user-agent", "x-shopify-topic", "x-shopify-shop-domain", "x-shopify-event-id",
            "x-shopify-webhook-id", "x-shopify-api-version", "x-shopify-triggered-at", "x-gorgias-webhook-id",
            "x-gorgias-account");
    static final Duration DEADLINE_RETRY_AFTER = Duration.ofSeconds(2);

    private final TenantResolver resolver;
    private final EventWriter writer;
    private final RateLimiter rates;
    private final Bulkheads bulkheads;
    private final FailureLimiter forgeries;
    private final IngressMetrics metrics;
    private final RouteTable routes;
    private final ExecutorService statements;
    private final DatabaseLoad load;
    private final Peers peers;
    private final BufferBudget buffers;
    private final RecentDeliveries recent;

    /**
     * @param writer     the durable writes, group-committed
     * @param statements runs ingress's statements besides the writer's, each within its delivery's deadline
     * @param forgeries  failed signature checks per client address
     * @param recent     deliveries committed here moments ago, whose repeats are answered from memory
     */
    public IngestService(TenantResolver resolver, DatabaseLoad load, EventWriter writer, ExecutorService statements,
                         RateLimiter rates, Bulkheads bulkheads, FailureLimiter forgeries, IngressMetrics metrics,
                         RouteTable routes, Peers peers, BufferBudget buffers,
                         RecentDeliveries recent) {
        this.resolver = resolver;
        this.recent = recent;
        this.buffers = buffers;
        this.peers = peers;
        this.load = load;
        this.writer = writer;
        this.statements = statements;
        this.rates = rates;
        this.bulkheads = bulkheads;
        this.forgeries = forgeries;
        this.metrics = metrics;
        this.routes = routes;
    }

    @Override
    public void routing(HttpRules rules) {
        routes.add(rules, "/webhooks", Method.POST, "/{tenant}/gorgias", (req, res) -> handle(req, res, Provider.GORGIAS))
                .add(rules, "/webhooks", Method.POST, "/{tenant}/shopify", (req, res) -> handle(req, res,
                                                                                             Provider.SHOPIFY));
    }

    /** The answer to an accepted or duplicate delivery. */
    public record Ack(String status, UUID eventId) {
    }

    private void handle(ServerRequest req, ServerResponse res, Provider provider) {
        long start = System.nanoTime();
        String slug = req.path().pathParameters().get("tenant");
        Outcome outcome = Outcome.UNAVAILABLE;
        // only a resolved tenant gets its own label: unknown slugs are chosen by strangers
        String[] label = {TenantLabels.OTHER};
        try {
            outcome = process(req, res, provider, slug, start, label);
        } catch (Refusal r) {
            outcome = r.outcome;
            if (r.tarpit) {
                tarpit();
            }
            ErrorHandling.send(req, res, r.answer, peers);
        } catch (ClientFaults.ClientGone gone) {
            // the sender dropped the connection mid-body: nothing to answer, but it is counted
            outcome = Outcome.MALFORMED;
            throw gone;
        } finally {
            metrics.record(label[0], provider, outcome, start);
            Outcome answered = outcome;
            LOG.log(Level.DEBUG, () -> "delivery " + provider.wire() + " " + answered.label() + " in "
                    + (System.nanoTime() - start) / 1_000_000 + " ms");
        }
    }

    private Outcome process(ServerRequest req, ServerResponse res, Provider provider, String slug, long start,
                            String[] label) {
        // 1. tenant: a look-up that misses the cache counts in ingress's share of the database
        long lookupDeadline = start + TimeUnit.MILLISECONDS.toNanos(LOOKUP_TIMEOUT.toMillis());
        ResolvedTenant tenant = Slug.parse(slug).flatMap(s -> resolve(s.value(), lookupDeadline))
                .orElseThrow(() -> new Refusal(Outcome.UNKNOWN_TENANT, new ApiException.NotFound(
                        "unknown-tenant", "No merchant is registered at this webhook URL.")));
        label[0] = slug;
        LogContext.tenant(slug);
        if (!tenant.tenant().active()) {
            throw new Refusal(Outcome.SUSPENDED, new ApiException.Forbidden(
                    "tenant-suspended", "This merchant's webhooks are suspended."));
        }
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(tenant.tenant().limits().timeoutMs());
        int max = tenant.tenant().limits().maxPayloadBytes();

        // 2. a declared size over the limit, before anything of the body is read
        try {
            Bodies.declaredWithin(req, max);
        } catch (ApiException.PayloadTooLarge e) {
            throw new Refusal(Outcome.TOO_LARGE, e);
        }

        // 3. room for the body before a byte of it is read: the address's turn, then, unless the headers alone
        // already refuse it, the tenant's concurrency (its permit is held through the store) and the bytes from the
        // process's budget
        String address = peers.address(req);
        HeaderLookup headers = name -> req.headers().first(headerName(name));
        List<Secret> secrets = tenant.verifyingSecrets(provider, Instant.now());
        BufferBudget.Lease lease = openLease(address, tenant, deadline);
        Semaphore permit = null;
        try {
            if (!shopDomainMatches(provider, tenant, headers) || WebhookVerifier.forProvider(provider)
                    .precheck(headers, secrets) == WebhookVerifier.Precheck.FORGED) {
                // no signature, another shop's domain, a wrong token: the body is read through and dropped, never
                // held (its framing and size still answer first, CONTRACT §1), and the 401 follows
                discard(req, max);
                throw forged(address);
            }
            permit = acquire(tenant, deadline);
            byte[] body;
            try {
                body = readCapped(req, max, lease);
            } finally {
                // the address's turn goes to its next body; the bytes stay held until the answer
                lease.bodyRead();
            }

            // 3b. signature. Forged traffic never reaches the tenant's bucket. An address past its allowance of
            // failures is still verified (an authentic delivery from a shared address passes), but its forgeries are
            // answered only after a pause, with nothing of ours held: the flood costs its sender time, never the
            // merchant.
            if (!WebhookVerifier.forProvider(provider).verify(headers, body, secrets)) {
                throw forged(address);
            }

            // 5. the tenant's rate
            Optional<Duration> wait = switch (rates) {
                case RateLimiter.Local local -> local.tryConsume(tenant);
                // the shared bucket is a database round trip: it runs within the tenant's deadline
                case RateLimiter.Postgres shared -> call(deadline, () -> shared.tryConsume(
                        tenant, Duration.ofNanos(deadline - System.nanoTime())));
            };
            if (wait.isPresent()) {
                throw new Refusal(Outcome.RATE_LIMITED, new ApiException.TooManyRequests(
                        "rate-limited", "This merchant's delivery rate is exceeded; retry later.", wait.get()));
            }

            // 6. the delivery's key: a repeat of exactly this delivery (same body) that committed here moments ago
            // is answered from memory, as the database would answer it (no JSON check: the same bytes passed it)
            byte[] sha = sha256(body);
            Optional<String> shopifyTopic = provider == Provider.SHOPIFY
                    ? headers.first("X-Shopify-Topic").map(String::strip) : Optional.empty();
            String key = DeliveryKeys.of(provider, headers, shopifyTopic, sha);
            Optional<EventId> repeat = recent.committedCopy(tenant.id(), provider, key, sha);
            if (repeat.isPresent()) {
                return answer(res, new EventWriter.Stored(repeat.get(), false));
            }

            // 7. JSON, then 8. the durable insert-or-find
            JsonCheck.Result json = JsonCheck.check(body);
            Optional<String> topic = provider == Provider.SHOPIFY ? shopifyTopic : json.gorgiasTopic();
            Delivery d = new Delivery(tenant.id(), provider, topic, key, sha, body, kept(headers, provider));
            if (!json.valid()) {
                call(deadline, () -> {
                    writer.storeRejected(d, json.problem(), deadline);
                    return null;
                });
                throw new Refusal(Outcome.MALFORMED, new ApiException.BadRequest(
                        "malformed-json", "The body is not a JSON object: " + json.problem()
                        + ". It was kept for the operator.", List.of()));
            }
            EventWriter.Stored stored;
            try {
                stored = await(deadline, writer.submit(d, deadline));
            } catch (DatabaseLoad.Busy e) {
                throw new Refusal(Outcome.UNAVAILABLE, databaseBusy());
            }
            // committed: its repeats need no database round trip from now on
            recent.committed(d, stored.eventId());
            return answer(res, stored);
        } finally {
            if (permit != null) {
                permit.release();
            }
            lease.close();
        }
    }

    /** 202 for the first copy, 200 for a duplicate (with the first copy's event id). */
    private static Outcome answer(ServerResponse res, EventWriter.Stored stored) {
        LogContext.event(stored.eventId());
        res.status(stored.inserted() ? Status.ACCEPTED_202 : Status.OK_200);
        res.headers().contentType(MediaTypes.APPLICATION_JSON);
        res.send(ackJson(stored.inserted() ? "accepted" : "duplicate", stored.eventId().value()));
        return stored.inserted() ? Outcome.ACCEPTED : Outcome.DUPLICATE;
    }

    /**
     * {@link Ack} as the JSON mapper writes it ({@code {"status":"accepted","event_id":"…"}}), written directly: the
     * two values are a fixed word and a UUID, which need no escaping.
     */
    static byte[] ackJson(String status, UUID eventId) {
        return ("{\"status\":\"" + status + "\",\"event_id\":\"" + eventId + "\"}")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** A failed signature check, counted for its address; past the address's allowance its answer waits. */
    private Refusal forged(String address) {
        boolean overAllowance = forgeries.refused(address);
        forgeries.failed(address);
        return new Refusal(Outcome.INVALID_SIGNATURE, new ApiException.Unauthorized(
                "invalid-signature", "The delivery's signature does not verify with this merchant's secret."),
                           overAllowance);
    }

    /** A turn for the address's body, waiting within the tenant's deadline. */
    private BufferBudget.Lease openLease(String address, ResolvedTenant tenant, long deadline) {
        try {
            return buffers.open(address, tenant.id(), Duration.ofNanos(deadline - System.nanoTime()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refusal(Outcome.UNAVAILABLE, deadlineExceeded());
        } catch (BufferBudget.Refused e) {
            metrics.refused(IngressMetrics.Refused.ADDRESS_BUSY);
            throw new Refusal(Outcome.UNAVAILABLE, new ApiException.Overloaded(
                    "address-busy", "Too many deliveries from this address were being received at once; retry later.",
                    DEADLINE_RETRY_AFTER));
        }
    }

    /** The tenant's concurrency permit, waiting within its deadline. */
    private Semaphore acquire(ResolvedTenant tenant, long deadline) {
        try {
            return bulkheads.acquire(tenant, Duration.ofNanos(deadline - System.nanoTime())).orElseThrow(() -> {
                metrics.refused(IngressMetrics.Refused.TENANT_BUSY);
                return new Refusal(Outcome.UNAVAILABLE, new ApiException.Overloaded(
                        "tenant-busy", "Too many deliveries of this merchant in flight; retry later.",
                        DEADLINE_RETRY_AFTER));
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refusal(Outcome.UNAVAILABLE, deadlineExceeded());
        }
    }

    /** How long a tenant look-up that misses the cache may wait for the database (a tenant's default deadline). */
    static final Duration LOOKUP_TIMEOUT = Duration.ofMillis(io.tollgate.tenant.Limits.DEFAULTS.timeoutMs());

    private Optional<ResolvedTenant> resolve(String slug, long deadline) {
        try {
            return resolver.resolveUnscoped(slug, lookup -> call(deadline, lookup));
        } catch (DataException e) {
            throw new Refusal(Outcome.UNAVAILABLE, ApiException.Unavailable.database());
        }
    }

    private static boolean shopDomainMatches(Provider provider, ResolvedTenant tenant, HeaderLookup headers) {
        if (provider != Provider.SHOPIFY) {
            return true;
        }
        String domain = headers.first("X-Shopify-Shop-Domain").map(String::strip).orElse("");
        return domain.equalsIgnoreCase(tenant.shopify().shopDomain());
    }

    /**
     * Runs database work within the tenant's deadline, as one of the few statements ingress may run at once besides
     * the writers' ({@link DatabaseLoad}); when too many already wait, 503 at once. Past the deadline the caller gets
     * a 503; the work may still commit, and then the sender's retry is answered as a duplicate, never lost. The work
     * is never interrupted (that would tear its connection and leave its server process waiting): its statement's
     * own timeout ends it, and only then is its turn given back.
     */
    private <T> T call(long deadline, Supplier<T> work) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            throw new Refusal(Outcome.UNAVAILABLE, deadlineExceeded());
        }
        boolean admitted;
        try {
            admitted = load.enter(deadline);
        } catch (DatabaseLoad.Busy e) {
            throw new Refusal(Outcome.UNAVAILABLE, databaseBusy());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refusal(Outcome.UNAVAILABLE, deadlineExceeded());
        }
        if (!admitted) {
            load.lateAnswer();
            throw new Refusal(Outcome.UNAVAILABLE, deadlineExceeded());
        }
        Future<T> f;
        try {
            f = statements.submit(() -> {
                DatabaseLoad.Work w = load.begin();
                try {
                    return work.get();
                } finally {
                    load.end(w);
                    load.leave();
                }
            });
        } catch (RuntimeException e) {
            load.leave();
            throw e;
        }
        return await(deadline, f);
    }

    private <T> T await(long deadline, Future<T> f) {
        long remaining = deadline - System.nanoTime();
        try {
            return f.get(remaining, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(false);
            load.lateAnswer();
            throw new Refusal(Outcome.UNAVAILABLE, deadlineExceeded());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(false);
            throw new Refusal(Outcome.UNAVAILABLE, deadlineExceeded());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof DataException.Unavailable) {
                load.lateAnswer();
                throw new Refusal(Outcome.UNAVAILABLE, ApiException.Unavailable.database());
            }
            if (e.getCause() instanceof RuntimeException r) {
                LOG.log(Level.ERROR, "could not store a delivery", r);
                throw new Refusal(Outcome.UNAVAILABLE, new ApiException.Unavailable(
                        "storage-failed", "The delivery could not be stored; retry later.",
                        ApiException.DATABASE_RETRY_AFTER));
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** How long a forged delivery from an address past its allowance waits for its 401. */
    static final Duration FORGERY_TARPIT = Duration.ofSeconds(1);

    private static void tarpit() {
        try {
            Thread.sleep(FORGERY_TARPIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Refused at once: ingress's bounded share of the database is full of work that is not finishing. */
    private static ApiException databaseBusy() {
        return new ApiException.Unavailable("database-busy", "The database is busy; retry later.",
                                            DEADLINE_RETRY_AFTER);
    }

    private static ApiException deadlineExceeded() {
        return new ApiException.Unavailable("deadline-exceeded",
                                            "The delivery could not be stored within this merchant's deadline;"
                                                    + " retry later.", DEADLINE_RETRY_AFTER);
    }

    private static void discard(ServerRequest req, int max) {
        try {
            Bodies.discard(req, max);
        } catch (ApiException.PayloadTooLarge e) {
            throw new Refusal(Outcome.TOO_LARGE, e);
        } catch (ApiException.MalformedRequest | ApiException.RequestTimeout e) {
            throw new Refusal(Outcome.MALFORMED, e);
        }
    }

    private byte[] readCapped(ServerRequest req, int max, BufferBudget.Lease lease) {
        try {
            return Bodies.read(req, max, lease);
        } catch (BufferBudget.Refused e) {
            metrics.refused(IngressMetrics.Refused.BUFFER_FULL);
            throw new Refusal(Outcome.UNAVAILABLE, new ApiException.Overloaded(
                    "buffer-full", "The gateway holds as many request bodies as it may right now; retry later.",
                    DEADLINE_RETRY_AFTER));
        } catch (ApiException.PayloadTooLarge e) {
            throw new Refusal(Outcome.TOO_LARGE, e);
        } catch (ApiException.MalformedRequest | ApiException.RequestTimeout e) {
            throw new Refusal(Outcome.MALFORMED, e);
        }
    }

    /** The names this service looks up, made once: {@code HeaderNames.create} lower-cases and looks up each time. */
    private static final Map<String, HeaderName> HEADER_NAMES = new ConcurrentHashMap<>();

    private static HeaderName headerName(String name) {
        HeaderName known = HEADER_NAMES.get(name);
        if (known != null) {
            return known;
        }
        HeaderName made = HeaderNames.create(name);
        // bounded: only the names written in this service and the verifiers (constants) come here
        if (HEADER_NAMES.size() < 64) {
            HEADER_NAMES.putIfAbsent(name, made);
        }
        return made;
    }

    private static Map<String, String> kept(HeaderLookup headers, Provider provider) {
        Map<String, String> kept = new LinkedHashMap<>();
        for (String name : KEPT_HEADERS) {
            headers.first(name).ifPresent(v -> kept.put(name, v.length() > 500 ? v.substring(0, 500) : v));
        }
        if (provider == Provider.GORGIAS) {
            kept.put("x-tollgate-verified-by", headers.first("X-Gorgias-Signature").isPresent() ? "signature" : "token");
        }
        return kept;
    }

    /** A fresh SHA-256, cloned per use: the provider look-up of {@code getInstance} is done once. */
    private static final MessageDigest SHA256;

    static {
        try {
            SHA256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(byte[] body) {
        try {
            return ((MessageDigest) SHA256.clone()).digest(body);
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An ingress answer together with the outcome it is counted as. */
    private static final class Refusal extends RuntimeException {
        private final Outcome outcome;
        private final ApiException answer;

        private final boolean tarpit;

        Refusal(Outcome outcome, ApiException answer) {
            this(outcome, answer, false);
        }

        /** @param tarpit whether the answer waits {@link #FORGERY_TARPIT} first (nothing of ours held by then) */
        Refusal(Outcome outcome, ApiException answer, boolean tarpit) {
            super(answer.getMessage(), null, false, false);
            this.outcome = outcome;
            this.answer = answer;
            this.tarpit = tarpit;
        }
    }
}
