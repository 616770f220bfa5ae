package io.tollgate.api.draft;

import io.tollgate.tenant.Secret;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * How drafts are written by a language model behind an OpenAI-compatible chat-completions endpoint. Without a URL
 * drafting uses only the built-in template ({@link #DISABLED}, the default).
 *
 * @param url         the full chat-completions URL (e.g. {@code https://api.openai.com/v1/chat/completions}): an
 *                    absolute http or https URL; empty turns the model off
 * @param model       the model name sent in each request
 * @param apiKey      sent as {@code Authorization: Bearer <key>} when present (a local model may need none)
 * @param timeout     the hard deadline of the whole model call: connecting (within half of it), sending, waiting
 *                    for the answer and reading it, however slowly it comes; past it the call is cut off and the
 *                    template writes the draft
 * @param maxChars    the longest reply taken from the model, in characters; a longer one is cut at a word boundary
 * @param dailyBudget the fleet's default: how many model drafts a tenant without its own
 *                    {@code limits.llm_drafts_per_day} may have per UTC day; after that the template writes them (a
 *                    call that reached the model counts whatever it answered: the budget bounds what the operator
 *                    pays; one that never reached it does not)
 */
public record LlmSettings(Optional<URI> url, String model, Optional<Secret> apiKey, Duration timeout, int maxChars,
                          int dailyBudget) {
    public static final String DEFAULT_MODEL = "gpt-4o-mini";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_CHARS = 2000;
    public static final int DEFAULT_DAILY_BUDGET = 200;
    /** The shortest reply cap that still leaves room for a useful reply. */
    public static final int MIN_MAX_CHARS = 200;

    /** No model: every draft comes from the template. */
    public static final LlmSettings DISABLED = new LlmSettings(Optional.empty(), DEFAULT_MODEL, Optional.empty(),
                                                               DEFAULT_TIMEOUT, DEFAULT_MAX_CHARS,
                                                               DEFAULT_DAILY_BUDGET);

    public LlmSettings {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(apiKey, "apiKey");
        Objects.requireNonNull(timeout, "timeout");
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("the model name must not be blank");
        }
        model = model.strip();
        url.ifPresent(LlmSettings::checkUrl);
        if (apiKey.isPresent() && apiKey.get().length() == 0) {
            apiKey = Optional.empty();
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the model timeout must be positive");
        }
        if (maxChars < MIN_MAX_CHARS) {
            throw new IllegalArgumentException("the model's maximum reply length must be at least " + MIN_MAX_CHARS
                                                       + " characters");
        }
        if (dailyBudget < 0) {
            throw new IllegalArgumentException("the daily draft budget must not be negative");
        }
    }

    /** A model at {@code url} with the default timeout, reply length and daily budget. */
    public static LlmSettings of(URI url, String model, Optional<Secret> apiKey) {
        return new LlmSettings(Optional.of(url), model, apiKey, DEFAULT_TIMEOUT, DEFAULT_MAX_CHARS,
                               DEFAULT_DAILY_BUDGET);
    }

    public boolean enabled() {
        return url.isPresent();
    }

    public LlmSettings withTimeout(Duration value) {
        return new LlmSettings(url, model, apiKey, value, maxChars, dailyBudget);
    }

    public LlmSettings withMaxChars(int value) {
        return new LlmSettings(url, model, apiKey, timeout, value, dailyBudget);
    }

    public LlmSettings withDailyBudget(int value) {
        return new LlmSettings(url, model, apiKey, timeout, maxChars, value);
    }

    private static void checkUrl(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!url.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null
                || url.getHost().isEmpty()) {
            throw new IllegalArgumentException("the model URL must be an absolute http or https URL");
        }
        if (url.getRawUserInfo() != null) {
            // credentials in the URL would travel into logs and error messages; the key has its own setting
            throw new IllegalArgumentException("the model URL must not hold credentials; set the API key instead");
        }
    }
}
