package io.tollgate.api.upstream;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.faulttolerance.CircuitBreaker;
import io.helidon.faulttolerance.CircuitBreakerOpenException;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.api.HttpClientRequest;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import io.tollgate.api.observe.LogContext;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.TenantId;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLHandshakeException;

/**
 * Makes the HTTP calls to one upstream for every tenant: paces them (when given an {@link AccountPacing}: the
 * fleet-wide budget of the tenant's upstream account), passes them through the tenant's circuit breaker, counts and
 * times them, and turns the answer into an {@link UpstreamResult}.
 *
 * <p>With pacing, every answer's call-limit header ({@link Upstream#callLimitHeader()}, Gorgias:
 * {@code X-Gorgias-Account-Api-Call-Limit: used/limit}) is read: an account at its limit takes no call, on any pod,
 * for one window; a 429 closes it for its {@code Retry-After}.
 *
 * <p>HTTP 429 and 5xx, timeouts and refused connections become {@link UpstreamResult.RetryLater} (honouring a
 * {@code Retry-After} in seconds or as an HTTP date); other non-2xx answers become {@link UpstreamResult.Failed}. 5xx,
 * timeouts and connection errors count as failures of the tenant's breaker; while it is open, calls return
 * {@code RetryLater} without reaching the upstream. Each call that does not end in {@code Ok} is logged once, at
 * WARNING, with the tenant's slug and the reason; reasons and log lines have the tenant's credentials blanked out.
 * Redirects are not followed (the credentials would travel with them).
 *
 * <p>The standard reasons name the upstream, the status and the upstream's request id, and quote the answer's body.
 * A caller made with a wording (an upstream that may echo what it was sent, like a model quoting the customer's text)
 * words the reasons of the failures it finds itself from an {@link UpstreamFailure} instead, never quoting a body;
 * the results of its reader keep their reason as they are.
 *
 * <p>With {@link UpstreamSettings#callTimeout()} each call has one hard deadline for all of it: connecting, sending,
 * waiting for the answer's head and reading its body. The exchange runs on a virtual thread of its own; the caller
 * waits for it at most that long, then interrupts it (which closes its socket) and returns a timeout. A server that
 * accepts and says nothing, sends its headers late, or trickles its body a byte at a time cannot hold the caller
 * longer than the deadline (the per-read timeout alone restarts with every byte).
 *
 * <p>A caller made {@code unconnectedUnsent} reports a call whose connection could not be made (refused, no route,
 * unknown host, connect timeout, TLS handshake failure) as {@link UpstreamResult.RetryLater#sent()} false: the request
 * never left. The model's client uses it to give back the draft it took from the tenant's budget. Gorgias and Shopify
 * keep such failures as sent, so a job whose upstream is down still spends its retries.
 */
public final class UpstreamCaller {
    /** The most of an answer's body that goes into a reason or a log line. */
    public static final int MAX_REASON_BODY = 8 * 1024;

    private static final System.Logger LOG = System.getLogger(UpstreamCaller.class.getName());
    private static final String BLANKED = "***";

    private final Upstream upstream;
    private final WebClient client;
    private final UpstreamSettings settings;
    private final UpstreamMetrics metrics;
    private final Optional<AccountPacing> pacing;
    private final Optional<Function<UpstreamFailure, String>> wording;
    private final boolean unconnectedUnsent;
    private final Map<TenantId, CircuitBreaker> breakers = new ConcurrentHashMap<>();

    /** A caller with the standard reasons, which quote the answer's body. */
    public UpstreamCaller(Upstream upstream, UpstreamSettings settings, UpstreamMetrics metrics,
                          Optional<AccountPacing> pacing) {
        this(upstream, settings, metrics, pacing, Optional.empty());
    }

    /**
     * @param wording when present, words the reason of every failure the caller finds itself (the reason is then
     *                cleared of credentials as the standard ones are)
     */
    public UpstreamCaller(Upstream upstream, UpstreamSettings settings, UpstreamMetrics metrics,
                          Optional<AccountPacing> pacing, Optional<Function<UpstreamFailure, String>> wording) {
        this(upstream, settings, metrics, pacing, wording, false);
    }

    /**
     * @param wording           as above
     * @param unconnectedUnsent whether a call that could not connect is reported as not sent (see the class comment)
     */
    public UpstreamCaller(Upstream upstream, UpstreamSettings settings, UpstreamMetrics metrics,
                          Optional<AccountPacing> pacing, Optional<Function<UpstreamFailure, String>> wording,
                          boolean unconnectedUnsent) {
        this.unconnectedUnsent = unconnectedUnsent;
        this.upstream = upstream;
        this.settings = settings;
        this.metrics = metrics;
        this.pacing = pacing;
        this.wording = wording;
        // a connection cache of its own: Helidon's shared cache closes itself in a JVM shutdown hook, which failed
        // every upstream call a running job made during the shutdown grace (its note then waited for a retry)
        this.client = WebClient.builder()
                .connectTimeout(settings.connectTimeout())
                .readTimeout(settings.readTimeout())
                .followRedirects(false)
                .shareConnectionCache(false)
                .build();
    }

    /** Closes the kept-alive connections; called once the worker and the admin API no longer call. */
    public void close() {
        client.closeResource();
    }

    public Upstream upstream() {
        return upstream;
    }

    /**
     * Makes one call for {@code tenant}; a 2xx answer goes to {@code read}, whose non-Ok results get this call's
     * upstream, status and request id put in front of their reason (unless this caller has a wording), and are
     * logged.
     */
    public <T> UpstreamResult<T> call(ResolvedTenant tenant, UpstreamRequest request,
                                      Function<UpstreamAnswer, UpstreamResult<T>> read) {
        return call(tenant, request, read, a -> Optional.empty());
    }

    /**
     * {@link #call(ResolvedTenant, UpstreamRequest, Function)}, with the body of an HTTP 429 answer handed to
     * {@code tooMany} first: what it returns replaces the standard {@code RetryLater} (whose wait comes from
     * {@code Retry-After}); empty keeps the standard one. For an upstream that says in the body how long to wait
     * (Shopify's GraphQL THROTTLED with its cost figures).
     */
    public <T> UpstreamResult<T> call(ResolvedTenant tenant, UpstreamRequest request,
                                      Function<UpstreamAnswer, UpstreamResult<T>> read,
                                      Function<UpstreamAnswer, Optional<UpstreamResult<T>>> tooMany) {
        CircuitBreaker breaker = breakers.computeIfAbsent(tenant.id(), this::breaker);
        if (breaker.state() == CircuitBreaker.State.OPEN) {
            return refused(tenant, upstream.label() + ": circuit breaker open after repeated failures");
        }
        Optional<AccountPacing.Turn.Taken> taken = Optional.empty();
        if (pacing.isPresent()) {
            AccountPacing.Turn turn;
            try {
                turn = pacing.get().take(tenant);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "upstream call not made: tenant=" + tenant.tenant().slug()
                        + " upstream=" + upstream.label() + ": the fleet's call budget could not be read: "
                        + e.getMessage());
                return new UpstreamResult.RetryLater<>(settings.defaultRetryAfter(), upstream.label()
                        + ": the account's call budget could not be read", false);
            }
            if (turn instanceof AccountPacing.Turn.Wait(Duration wait)) {
                Duration after = roundUp(wait);
                LOG.log(System.Logger.Level.DEBUG, () -> "upstream call paced: tenant=" + tenant.tenant().slug()
                        + " upstream=" + upstream.label() + " wait=" + after);
                return new UpstreamResult.RetryLater<>(after, upstream.label() + ": the account's budget of "
                        + pacing.get().calls() + " calls per " + pacing.get().window().toSeconds()
                        + " s is spent", false);
            }
            taken = Optional.of((AccountPacing.Turn.Taken) turn);
        }
        List<String> secrets = secrets(tenant, request);
        Exchange exchange;
        try {
            exchange = breaker.invoke(() -> {
                Exchange e = exchange(request, secrets);
                if (e.breakerFailure()) {
                    throw new BreakerFailure(e);
                }
                return e;
            });
        } catch (BreakerFailure f) {
            exchange = f.exchange;
        } catch (CircuitBreakerOpenException e) {
            // the call never left: it takes nothing of the account's budget
            taken.ifPresent(this::release);
            return refused(tenant, upstream.label() + ": circuit breaker open after repeated failures");
        } catch (RuntimeException e) {
            taken.ifPresent(t -> ended(t, Duration.ZERO));
            throw e;
        }
        Duration hold = exchange.hold();
        taken.ifPresent(t -> ended(t, hold));
        UpstreamResult<T> result;
        if (exchange.answer != null) {
            try {
                result = read.apply(exchange.answer);
            } catch (RuntimeException e) {
                result = new UpstreamResult.Failed<>(exchange.answer.status(), "the answer could not be read");
            }
            if (wording.isEmpty()) {
                result = prefixed(result, exchange.prefix, exchange.bodyText);
            }
        } else {
            result = exchange.result();
            if (exchange.refused != null) {
                Optional<UpstreamResult<T>> own;
                try {
                    own = tooMany.apply(exchange.refused);
                } catch (RuntimeException e) {
                    own = Optional.empty();
                }
                if (own.isPresent()) {
                    result = wording.isEmpty() ? prefixed(own.get(), exchange.prefix, exchange.bodyText) : own.get();
                }
            }
        }
        if (!(result instanceof UpstreamResult.Ok<T>)) {
            String reason = switch (result) {
                case UpstreamResult.RetryLater<T> r -> r.reason();
                case UpstreamResult.Failed<T> f -> f.reason();
                case UpstreamResult.Ok<T> ok -> "";
            };
            LOG.log(System.Logger.Level.WARNING, "upstream call failed: tenant=" + tenant.tenant().slug()
                    + LogContext.event().map(id -> " event=" + id).orElse("") + " " + reason);
        }
        return result;
    }

    private void release(AccountPacing.Turn.Taken taken) {
        try {
            pacing.orElseThrow().release(taken);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "upstream call budget: a call that never left could not be given "
                    + "back: " + e.getMessage());
        }
    }

    private void ended(AccountPacing.Turn.Taken taken, Duration hold) {
        try {
            pacing.orElseThrow().ended(taken, hold);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "upstream call budget: the end of a call could not be recorded: "
                    + e.getMessage());
        }
    }

    /**
     * How long the account must take no call after this answer: a window when its call-limit header says the account
     * is at its limit (so the fleet slows down before the upstream answers 429), else zero.
     */
    private Duration limitHold(HttpClientResponse response) {
        if (pacing.isEmpty() || upstream.callLimitHeader().isEmpty()) {
            return Duration.ZERO;
        }
        Optional<String> value = response.headers().first(HeaderNames.create(upstream.callLimitHeader().get()));
        return value.flatMap(UpstreamCaller::parseCallLimit)
                .filter(l -> l.used() >= l.limit())
                .map(l -> pacing.get().window())
                .orElse(Duration.ZERO);
    }

    /** A call-limit header's value, {@code used/limit} (Gorgias: {@code 10/40}); nothing for anything else. */
    public static Optional<CallLimit> parseCallLimit(String value) {
        String v = value.strip();
        int slash = v.indexOf('/');
        if (slash < 1 || slash == v.length() - 1 || v.length() > 32) {
            return Optional.empty();
        }
        try {
            int used = Integer.parseInt(v.substring(0, slash).strip());
            int limit = Integer.parseInt(v.substring(slash + 1).strip());
            return used < 0 || limit < 1 ? Optional.empty() : Optional.of(new CallLimit(used, limit));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** What a call-limit header said: {@code used} calls of the account's {@code limit} in the current period. */
    public record CallLimit(int used, int limit) {
    }

    private <T> UpstreamResult<T> refused(ResolvedTenant tenant, String reason) {
        LOG.log(System.Logger.Level.DEBUG, () -> "upstream call refused: tenant=" + tenant.tenant().slug() + " "
                + reason);
        return new UpstreamResult.RetryLater<>(settings.breakerDelay(), reason, false);
    }

    private static <T> UpstreamResult<T> prefixed(UpstreamResult<T> result, String prefix, Supplier<String> body) {
        return switch (result) {
            case UpstreamResult.Ok<T> ok -> ok;
            case UpstreamResult.RetryLater<T> r -> new UpstreamResult.RetryLater<>(
                    r.after(), prefix + ": " + r.reason() + "; body: " + body.get(), r.sent());
            case UpstreamResult.Failed<T> f -> new UpstreamResult.Failed<>(
                    f.status(), prefix + ": " + f.reason() + "; body: " + body.get());
        };
    }

    private CircuitBreaker breaker(TenantId tenant) {
        return CircuitBreaker.builder()
                .name("upstream-" + upstream.label() + "-" + tenant)
                .volume(settings.breakerVolume())
                .errorRatio(settings.breakerErrorRatio())
                .delay(settings.breakerDelay())
                .successThreshold(1)
                .enableMetrics(false)
                .build();
    }

    /** One exchange, within {@link UpstreamSettings#callTimeout()} when there is one. */
    private Exchange exchange(UpstreamRequest request, List<String> secrets) {
        long start = System.nanoTime();
        AtomicBoolean counted = new AtomicBoolean();
        if (settings.callTimeout().isEmpty()) {
            return attempt(request, secrets, start, counted);
        }
        Duration deadline = settings.callTimeout().get();
        CompletableFuture<Exchange> done = new CompletableFuture<>();
        Thread thread = Thread.ofVirtual().name("upstream-" + upstream.label()).start(() -> {
            try {
                done.complete(attempt(request, secrets, start, counted));
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        boolean interrupted = false;
        try {
            return done.get(deadline.toNanos() - (System.nanoTime() - start), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            // cut off below
        } catch (InterruptedException e) {
            // the caller's run is given up: stop the exchange as well
            interrupted = true;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
        // claimed before the interrupt, so the exchange's failure from being interrupted is never its outcome
        boolean cut = counted.compareAndSet(false, true);
        thread.interrupt();
        if (!cut) {
            // the exchange ended just as the deadline passed: its own outcome stands
            try {
                return done.join();
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        metrics.unanswered(upstream, !interrupted, Duration.ofNanos(System.nanoTime() - start));
        if (interrupted) {
            Thread.currentThread().interrupt();
            return Exchange.done(new UpstreamResult.RetryLater<>(Duration.ZERO, worded(
                    new UpstreamFailure.NoAnswer(new InterruptedException("the call was given up")), secrets,
                    () -> upstream.label() + ": call given up for " + request.method() + " "
                            + request.uri().getPath())), false, Duration.ZERO);
        }
        return Exchange.done(new UpstreamResult.RetryLater<>(Duration.ZERO, worded(
                new UpstreamFailure.TimedOut(), secrets, () -> upstream.label() + ": no complete answer within "
                        + deadline.toMillis() + " ms for " + request.method() + " " + request.uri().getPath())),
                             true, Duration.ZERO);
    }

    /** The exchange itself; its meters are recorded only if {@code counted} was not yet set (by a cut-off). */
    private Exchange attempt(UpstreamRequest request, List<String> secrets, long start, AtomicBoolean counted) {
        HttpClientRequest http = client.method(Method.create(request.method())).uri(request.uri());
        request.headers().forEach((name, value) -> http.header(HeaderNames.create(name), value));
        try {
            HttpClientResponse response;
            if (request.body().isPresent()) {
                http.contentType(MediaTypes.APPLICATION_JSON);
                response = http.submit(request.body().get());
            } else {
                response = http.request();
            }
            try (response) {
                int status = response.status().code();
                Optional<String> requestId = requestId(response);
                Duration hold = limitHold(response);
                boolean ok = status >= 200 && status < 300;
                byte[] body = read(response, ok ? settings.maxAnswerBytes() + 1 : MAX_REASON_BODY);
                if (counted.compareAndSet(false, true)) {
                    metrics.answered(upstream, status, Duration.ofNanos(System.nanoTime() - start));
                }
                String prefix = upstream.label() + " HTTP " + status + " (request id " + requestId.orElse("none")
                        + ")";
                if (ok) {
                    if (body.length > settings.maxAnswerBytes()) {
                        return Exchange.done(new UpstreamResult.Failed<>(status, worded(
                                new UpstreamFailure.TooLarge(status, settings.maxAnswerBytes()), secrets,
                                () -> prefix + ": the answer is larger than " + settings.maxAnswerBytes()
                                        + " bytes")), false, hold);
                    }
                    // the body's text (cleared of credentials) only for a reason: a reader that refuses the answer
                    return new Exchange(new UpstreamAnswer(status, requestId, body), prefix, () -> text(body, secrets),
                                        null, false, null, hold);
                }
                String bodyText = text(body, secrets);
                String reason = worded(new UpstreamFailure.Answered(status, body), secrets,
                                       () -> prefix + ": " + bodyText);
                if (status == 429) {
                    Duration after = retryAfter(response).orElse(settings.defaultRetryAfter());
                    // the whole fleet waits it out, not only this call's job
                    return new Exchange(null, prefix, () -> bodyText, new UpstreamResult.RetryLater<>(after, reason),
                                        false, new UpstreamAnswer(status, requestId, body),
                                        after.compareTo(hold) > 0 ? after : hold);
                }
                if (status >= 500) {
                    Duration after = retryAfter(response).orElse(Duration.ZERO);
                    return Exchange.done(new UpstreamResult.RetryLater<>(after, reason), true, hold);
                }
                return Exchange.done(new UpstreamResult.Failed<>(status, reason), false, hold);
            }
        } catch (RuntimeException | IOException e) {
            boolean timeout = isTimeout(e);
            if (counted.compareAndSet(false, true)) {
                metrics.unanswered(upstream, timeout, Duration.ofNanos(System.nanoTime() - start));
            }
            String reason = timeout
                    ? worded(new UpstreamFailure.TimedOut(), secrets, () -> upstream.label()
                            + ": timeout (no connection within " + settings.connectTimeout().toMillis()
                            + " ms or no answer within " + settings.readTimeout().toMillis() + " ms) for "
                            + request.method() + " " + request.uri().getPath())
                    : worded(new UpstreamFailure.NoAnswer(e), secrets, () -> upstream.label() + ": no answer for "
                            + request.method() + " " + request.uri().getPath() + ": "
                            + redact(String.valueOf(describe(e)), secrets));
            LOG.log(System.Logger.Level.DEBUG, "upstream exception", e);
            boolean sent = !(unconnectedUnsent && isUnconnected(e));
            return Exchange.done(new UpstreamResult.RetryLater<>(Duration.ZERO, reason, sent), true, Duration.ZERO);
        }
    }

    /**
     * Whether a call failed before its request could leave: the connection was refused, had no route, the host is
     * unknown, the connect timed out or the TLS handshake failed.
     */
    static boolean isUnconnected(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof NoRouteToHostException
                    || t instanceof UnknownHostException || t instanceof SSLHandshakeException) {
                return true;
            }
            if (t instanceof SocketTimeoutException && t.getMessage() != null
                    && t.getMessage().toLowerCase(Locale.ROOT).contains("connect")) {
                // the JDK's "Connect timed out"
                return true;
            }
        }
        return false;
    }

    /** The reason of a failure the caller found: this caller's wording of it, else the standard one. */
    private String worded(UpstreamFailure failure, List<String> secrets, Supplier<String> standard) {
        return wording.map(w -> redact(oneLine(w.apply(failure)), secrets)).orElseGet(standard);
    }

    /** At most {@code limit} bytes of the answer's body. */
    private static byte[] read(HttpClientResponse response, int limit) throws IOException {
        if (!response.entity().hasEntity()) {
            return new byte[0];
        }
        try (InputStream in = response.inputStream()) {
            return in.readNBytes(limit);
        }
    }

    private Optional<String> requestId(HttpClientResponse response) {
        for (String name : upstream.requestIdHeaders()) {
            Optional<String> v = response.headers().first(HeaderNames.create(name));
            if (v.isPresent() && !v.get().isBlank()) {
                return Optional.of(oneLine(v.get().length() > 200 ? v.get().substring(0, 200) : v.get()));
            }
        }
        return Optional.empty();
    }

    private static Optional<Duration> retryAfter(HttpClientResponse response) {
        return response.headers().first(HeaderNames.RETRY_AFTER).flatMap(UpstreamCaller::parseRetryAfter);
    }

    /** A {@code Retry-After} value: seconds (Shopify sends "2.0") or an HTTP date; nothing for anything else. */
    public static Optional<Duration> parseRetryAfter(String value) {
        String v = value.strip();
        if (v.isEmpty()) {
            return Optional.empty();
        }
        try {
            double seconds = Double.parseDouble(v);
            if (!Double.isFinite(seconds) || seconds < 0) {
                return Optional.empty();
            }
            return Optional.of(Duration.ofMillis((long) Math.ceil(Math.min(seconds, 86_400) * 1000)));
        } catch (NumberFormatException e) {
            // not seconds: an HTTP date
        }
        try {
            ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
            Duration d = Duration.between(java.time.Instant.now(), at.toInstant());
            return Optional.of(d.isNegative() ? Duration.ZERO : d);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** Whether a call failed by running out of time (connect, read or request timeout), anywhere in its causes. */
    public static boolean isTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof HttpTimeoutException
                    || t instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** The innermost message, without exception class names. */
    private static String describe(Throwable e) {
        String message = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getMessage();
            }
        }
        return message == null ? "connection failed" : oneLine(message);
    }

    /**
     * Everything that must never show in a reason or a log line: the tenant's credentials, webhook secrets and auth
     * headers.
     */
    private static List<String> secrets(ResolvedTenant tenant, UpstreamRequest request) {
        List<String> out = new ArrayList<>();
        out.add(tenant.gorgias().apiKey().reveal());
        out.add(tenant.shopify().accessToken().reveal());
        String basic = tenant.gorgias().username() + ":" + tenant.gorgias().apiKey().reveal();
        out.add(Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)));
        // the tenant's webhook secrets travel in request bodies too (the Gorgias integration's X-Tollgate-Token
        // header), and an upstream may echo a body back in an error
        tenant.secrets().forEach(s -> out.add(s.value().reveal()));
        request.headers().forEach((name, value) -> {
            if (name.equalsIgnoreCase("Authorization") || name.toLowerCase().contains("token")) {
                out.add(value);
                int space = value.indexOf(' ');
                if (space > 0) {
                    out.add(value.substring(space + 1));
                }
            }
        });
        out.removeIf(s -> s.length() < 4);
        out.sort((a, b) -> b.length() - a.length());
        return List.copyOf(out);
    }

    private static String text(byte[] body, List<String> secrets) {
        int n = Math.min(body.length, MAX_REASON_BODY);
        String s = new String(body, 0, n, StandardCharsets.UTF_8);
        return redact(oneLine(s), secrets) + (body.length > MAX_REASON_BODY ? "..." : "");
    }

    private static String redact(String s, List<String> secrets) {
        String out = s;
        for (String secret : secrets) {
            out = out.replace(secret, BLANKED);
        }
        return out;
    }

    private static String oneLine(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
        return b.toString();
    }

    private static Duration roundUp(Duration d) {
        long millis = d.toMillis() + (d.toNanosPart() % 1_000_000 == 0 ? 0 : 1);
        return Duration.ofMillis(Math.max(1, millis));
    }

    /**
     * One exchange: a 2xx answer for the reader, or the result it already is ({@code refused}: the 429 answer it
     * came from, for a caller that reads those bodies); {@code hold}: how long the account must take no call after
     * it (zero: no wait).
     */
    private record Exchange(UpstreamAnswer answer, String prefix, Supplier<String> bodyText, UpstreamResult<?> done,
                            boolean breakerFailure, UpstreamAnswer refused, Duration hold) {
        static Exchange done(UpstreamResult<?> result, boolean breakerFailure, Duration hold) {
            return new Exchange(null, null, null, result, breakerFailure, null, hold);
        }

        @SuppressWarnings("unchecked")
        <T> UpstreamResult<T> result() {
            return (UpstreamResult<T>) done;
        }
    }

    /** Carries a failed exchange through the circuit breaker, which counts exceptions. */
    private static final class BreakerFailure extends RuntimeException {
        private final transient Exchange exchange;

        BreakerFailure(Exchange exchange) {
            super(null, null, false, false);
            this.exchange = exchange;
        }
    }
}
