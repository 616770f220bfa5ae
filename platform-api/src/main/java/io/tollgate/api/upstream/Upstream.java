package io.tollgate.api.upstream;

import java.util.List;
import java.util.Optional;

/**
 * The upstream APIs Tollgate calls, with their metric label, the headers that carry their request ids, and the header
 * that tells how much of the account's call budget is used.
 */
public enum Upstream {
    /**
     * Every Gorgias answer carries {@code X-Gorgias-Account-Api-Call-Limit: used/limit}, e.g. {@code 10/40}
     * (https://developers.gorgias.com/reference/limitations).
     */
    GORGIAS("gorgias", List.of("X-Request-Id", "X-Gorgias-Request-Id", "Request-Id"),
            Optional.of("X-Gorgias-Account-Api-Call-Limit")),
    SHOPIFY("shopify", List.of("X-Request-Id"), Optional.empty()),
    /** The language model behind an OpenAI-compatible chat-completions endpoint that writes drafts. */
    LLM("llm", List.of("X-Request-Id"), Optional.empty());

    private final String label;
    private final List<String> requestIdHeaders;
    private final Optional<String> callLimitHeader;

    Upstream(String label, List<String> requestIdHeaders, Optional<String> callLimitHeader) {
        this.label = label;
        this.requestIdHeaders = requestIdHeaders;
        this.callLimitHeader = callLimitHeader;
    }

    /** The metric label and the name in reasons and log lines. */
    public String label() {
        return label;
    }

    /** Response headers that may carry the upstream's request id, in order of preference. */
    public List<String> requestIdHeaders() {
        return requestIdHeaders;
    }

    /** The response header that says {@code used/limit} of the account's calls in the current period, if any. */
    public Optional<String> callLimitHeader() {
        return callLimitHeader;
    }
}
