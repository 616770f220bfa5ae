package io.tollgate.api.connect;

import java.util.List;

/**
 * The answer to a connect: every step per provider, an overall {@code status}, and notes for the operator. Never holds
 * a credential or a webhook secret (upstream texts are redacted by {@link io.tollgate.api.upstream.UpstreamCaller}).
 *
 * @param status  {@code ok} (every requested provider ok), {@code failed} (every requested provider failed) or
 *                {@code partial}
 * @param gorgias the Gorgias steps, or null when Gorgias was not asked for
 * @param shopify the Shopify steps, or null when Shopify was not asked for
 * @param notes   what the operator should know besides the steps
 */
public record ConnectOut(String status, ProviderOut gorgias, ProviderOut shopify, List<String> notes) {
    public ConnectOut {
        notes = List.copyOf(notes);
    }

    /**
     * One provider's steps.
     *
     * @param status     {@code ok} when every step succeeded, else {@code failed}
     * @param webhookUrl the URL registered upstream
     */
    public record ProviderOut(String status, String webhookUrl, List<StepOut> steps) {
        public ProviderOut {
            steps = List.copyOf(steps);
        }

        static ProviderOut of(String webhookUrl, List<StepOut> steps) {
            return new ProviderOut(steps.stream().allMatch(StepOut::succeeded) ? "ok" : "failed", webhookUrl, steps);
        }

        boolean ok() {
            return "ok".equals(status);
        }
    }
}
