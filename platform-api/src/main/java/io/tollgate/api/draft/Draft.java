package io.tollgate.api.draft;

/**
 * A suggested reply: the same content as plain text (Gorgias {@code body_text}) and as HTML ({@code body_html}), in
 * which every interpolated value is escaped.
 */
public record Draft(String text, String html) {

    /** The same reply with {@code line} as its last paragraph (escaped in the HTML). */
    Draft withLastLine(String line) {
        return new Draft(text + "\n\n" + line, html + "<p>" + DraftText.escape(line) + "</p>");
    }
}
