package io.tollgate.api.draft;

/**
 * A suggested reply: the same content as plain text (Gorgias {@code body_text}) and as HTML ({@code body_html}), in
 * which every interpolated value is escaped.
 */
public record Draft(String text, String html) {
}
