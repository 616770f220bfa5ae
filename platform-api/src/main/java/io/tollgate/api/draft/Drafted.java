package io.tollgate.api.draft;

import java.util.Objects;
import java.util.Optional;

/**
 * A draft and who wrote it.
 *
 * @param draft          the suggested reply
 * @param source         the model or the built-in template
 * @param fallbackReason why the template wrote it although a model is configured ("model timed out", "daily draft
 *                       budget of 200 spent"); empty for a model draft and when no model is configured. Holds no
 *                       secret and no customer text.
 */
public record Drafted(Draft draft, Source source, Optional<String> fallbackReason) {
    /** Who wrote a draft. */
    public enum Source {
        TEMPLATE,
        MODEL
    }

    public Drafted {
        Objects.requireNonNull(draft, "draft");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(fallbackReason, "fallbackReason");
        if (source == Source.MODEL && fallbackReason.isPresent()) {
            throw new IllegalArgumentException("a model draft has no fallback reason");
        }
    }

    public static Drafted model(Draft draft) {
        return new Drafted(draft, Source.MODEL, Optional.empty());
    }

    public static Drafted template(Draft draft) {
        return new Drafted(draft, Source.TEMPLATE, Optional.empty());
    }

    public static Drafted fallback(Draft draft, String reason) {
        return new Drafted(draft, Source.TEMPLATE, Optional.of(reason));
    }
}
