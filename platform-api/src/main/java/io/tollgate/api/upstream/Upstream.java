package io.tollgate.api.upstream;

import java.util.List;

/** The upstream APIs Tollgate calls, with their metric label and the headers that carry their request ids. */
public enum Upstream {
    GORGIAS("gorgias", List.of("X-Request-Id", "X-Gorgias-Request-Id", "Request-Id")),
    SHOPIFY("shopify", List.of("X-Request-Id")),
    /** The language model behind an OpenAI-compatible chat-completions endpoint that writes drafts. */
    LLM("llm", List.of("X-Request-Id"));

    private final String label;
    private final List<String> requestIdHeaders;

    Upstream(String label, List<String> requestIdHeaders) {
        this.label = label;
        this.requestIdHeaders = requestIdHeaders;
    }

    /** The metric label and the name in reasons and log lines. */
    public String label() {
        return label;
    }

    /** Response headers that may carry the upstream's request id, in order of preference. */
    public List<String> requestIdHeaders() {
        return requestIdHeaders;
    }
}
