package io.tollgate.api.draft;

import io.tollgate.api.upstream.UpstreamResult;
import io.tollgate.tenant.ResolvedTenant;

import java.util.Objects;

/**
 * Writes the suggested reply with a language model: the {@link LlmPrompt} made from the request, sent for the tenant
 * by the {@link LlmClient}, and the model's answer read back into a draft by the prompt.
 *
 * <p>Any failure (no connection, timeout, non-2xx, the tenant's circuit breaker open, an answer that is not the
 * expected JSON, no text) is a {@link DraftException} whose reason names the failure only: never the API key, never
 * the customer's text. A call that never reached the model (the breaker open, no connection) says so
 * ({@link DraftException#reached()} false).
 */
public final class LlmDraftWriter {
    private final LlmPrompt prompt;
    private final LlmClient client;

    public LlmDraftWriter(LlmPrompt prompt, LlmClient client) {
        this.prompt = Objects.requireNonNull(prompt, "prompt");
        this.client = Objects.requireNonNull(client, "client");
    }

    /**
     * Asks the model for the reply to {@code request}, as a call of {@code tenant}'s.
     *
     * @throws DraftException when the model gives no usable reply
     */
    public Draft write(ResolvedTenant tenant, DraftRequest request) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(request, "request");
        return switch (client.post(tenant, prompt.request(request))) {
            case UpstreamResult.Ok<byte[]>(byte[] answer) -> prompt.draft(answer, request);
            case UpstreamResult.RetryLater<byte[]> r -> throw new DraftException(r.reason(), r.sent());
            case UpstreamResult.Failed<byte[]> f -> throw new DraftException(f.reason());
        };
    }

    /** The model's name, as sent in each request. */
    String model() {
        return prompt.model();
    }

    @Override
    public String toString() {
        return "LlmDraftWriter[" + client.endpoint() + ", model " + prompt.model() + "]";
    }
}
