package io.tollgate.api.draft;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.http.Json;
import io.tollgate.api.upstream.Upstream;
import io.tollgate.api.upstream.UpstreamCaller;
import io.tollgate.api.upstream.UpstreamFailure;
import io.tollgate.api.upstream.UpstreamMetrics;
import io.tollgate.api.upstream.UpstreamRequest;
import io.tollgate.api.upstream.UpstreamResult;
import io.tollgate.api.upstream.UpstreamSettings;
import io.tollgate.tenant.ResolvedTenant;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The model's chat-completions endpoint ({@link LlmSettings#url()}), called through an {@link UpstreamCaller} like
 * Gorgias and Shopify: counted and timed as {@code upstream="llm"}, through a circuit breaker per tenant, with 429 and
 * 5xx answers (and their {@code Retry-After}) and timeouts as {@link UpstreamResult.RetryLater}. One POST of a JSON
 * body with {@code Authorization: Bearer <key>} when a key is set; redirects are not followed (the key would travel
 * with them).
 *
 * <p>The model's settings feed the caller's ({@link #settings}): its timeout is one hard deadline for the whole call
 * (connecting, sending, the answer's head and its body, however slowly it comes), and an answer over
 * {@link #MAX_ANSWER_BYTES} fails; the breaker's settings are the other upstreams'. The connection must be made
 * within half the timeout (at most the other upstreams' connect timeout), so a model that cannot be reached is
 * told apart from one that is slow: a call whose connection failed is a {@code RetryLater} that was not
 * {@linkplain UpstreamResult.RetryLater#sent() sent}, and its draft goes back to the tenant's budget. The model is
 * not paced: each tenant's daily {@link DraftBudget} bounds its calls.
 *
 * <p>Reasons name the failure only, never the key nor anything of the answer but a short error code: "model timed
 * out", "model answered 401 (invalid_api_key)", "model unreachable (ConnectException)", "model answer is larger than
 * 1048576 bytes". A model may quote the request (the customer's text) in its errors, so no body goes into a reason or
 * a log line.
 */
public final class LlmClient implements AutoCloseable {
    /** The largest answer read from the model; a larger one is a failure. */
    public static final int MAX_ANSWER_BYTES = 1024 * 1024;

    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private final LlmSettings settings;
    private final URI url;
    private final UpstreamCaller caller;

    /**
     * @param upstreams the other upstreams' settings, whose circuit breaker and default {@code Retry-After} the model
     *                  shares
     * @throws IllegalArgumentException when the settings have no URL
     */
    public LlmClient(LlmSettings settings, UpstreamSettings upstreams, UpstreamMetrics metrics) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.url = settings.url().orElseThrow(() -> new IllegalArgumentException("the model has no URL"));
        this.caller = new UpstreamCaller(Upstream.LLM, settings(settings, upstreams), metrics, Optional.empty(),
                                         Optional.of(LlmClient::reason), true);
    }

    /**
     * The caller's settings for the model: its timeout as the whole call's deadline, half of it (at most the other
     * upstreams' connect timeout) to connect, its answer limit.
     */
    static UpstreamSettings settings(LlmSettings llm, UpstreamSettings upstreams) {
        Duration half = llm.timeout().dividedBy(2);
        Duration connect = half.compareTo(upstreams.connectTimeout()) < 0 ? half : upstreams.connectTimeout();
        return new UpstreamSettings(connect, llm.timeout(), upstreams.gorgiasCalls(), upstreams.gorgiasWindow(),
                                    upstreams.breakerVolume(), upstreams.breakerErrorRatio(),
                                    upstreams.breakerDelay(), upstreams.defaultRetryAfter(),
                                    upstreams.maxMessagePages(), MAX_ANSWER_BYTES, false,
                                    Optional.of(llm.timeout()));
    }

    /** POSTs {@code body} for {@code tenant}; Ok holds the body of the model's 2xx answer. */
    public UpstreamResult<byte[]> post(ResolvedTenant tenant, byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Accept", "application/json");
        settings.apiKey().ifPresent(key -> headers.put("Authorization", "Bearer " + key.reveal()));
        return caller.call(tenant, UpstreamRequest.postJson(url, headers, body),
                           answer -> new UpstreamResult.Ok<>(answer.body()));
    }

    /** A failure the caller found, in the model's words. */
    static String reason(UpstreamFailure failure) {
        return switch (failure) {
            case UpstreamFailure.Answered a -> "model answered " + a.status() + errorCode(a.body());
            case UpstreamFailure.TooLarge t -> "model answer is larger than " + t.limit() + " bytes";
            case UpstreamFailure.TimedOut t -> "model timed out";
            case UpstreamFailure.NoAnswer n -> "model unreachable (" + innermost(n.cause()).getClass().getSimpleName()
                    + ")";
        };
    }

    /**
     * The error code or type of an OpenAI-style error answer ({@code {"error": {"code": "rate_limit_exceeded"}}}) as
     * " (code)", only when it is a short word: the error's message may quote the request, or part of the key.
     */
    private static String errorCode(byte[] body) {
        try {
            JsonNode error = Json.MAPPER.readTree(body).path("error");
            for (String field : List.of("code", "type")) {
                JsonNode v = error.path(field);
                if (v.isTextual() && TOKEN.matcher(v.textValue()).matches()) {
                    return " (" + v.textValue() + ")";
                }
            }
        } catch (IOException | RuntimeException e) {
            // no error code then
        }
        return "";
    }

    private static Throwable innermost(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    /** Closes the kept-alive connections; called once the worker no longer drafts. */
    @Override
    public void close() {
        caller.close();
    }

    /** Where the model is, without its path: {@code https://api.openai.com}. */
    String endpoint() {
        return url.getScheme() + "://" + url.getAuthority();
    }
}
