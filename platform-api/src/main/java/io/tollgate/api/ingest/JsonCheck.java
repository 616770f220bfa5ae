package io.tollgate.api.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.util.Optional;

/**
 * A streaming pass over the body: is it one well-formed JSON object, and which Gorgias context it carries
 * ({@code ticket} or {@code message} at the top level, else a bare ticket). No tree is built.
 *
 * <p>Every delivery is checked, so the common case takes a single pass over the bytes ({@link Scan}) that accepts
 * only what Jackson also accepts (RFC 8259, strict UTF-8, bounded depth and lengths); anything it does not accept
 * at once (an error, a byte-order mark, very deep nesting, an escaped top-level name) is decided by Jackson's parser,
 * which also names the problem. Both are linear in the body.
 */
final class JsonCheck {
    private static final JsonFactory FACTORY = new JsonFactory();

    record Result(boolean valid, Optional<String> gorgiasTopic, String problem) {
    }

    static Result check(byte[] body) {
        if (body.length <= Scan.MAX_BODY) {
            Scan scan = new Scan(body);
            if (scan.document()) {
                return new Result(true, Optional.of(scan.topic != null ? scan.topic : "ticket"), null);
            }
        }
        // not certainly valid: Jackson decides, and names the problem
        try (JsonParser p = FACTORY.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return new Result(false, Optional.empty(), "the body is not a JSON object");
            }
            Optional<String> topic = Optional.empty();
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_OBJECT) {
                if (t == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    if (topic.isEmpty() && ("ticket".equals(name) || "message".equals(name))) {
                        topic = Optional.of(name);
                    }
                    p.nextToken();
                    p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                return new Result(false, Optional.empty(), "content after the JSON object");
            }
            return new Result(true, topic.or(() -> Optional.of("ticket")), null);
        } catch (IOException e) {
            return new Result(false, Optional.empty(), "not valid JSON at line " + (e instanceof
                    com.fasterxml.jackson.core.JsonProcessingException jp && jp.getLocation() != null
                    ? jp.getLocation().getLineNr() + ", column " + jp.getLocation().getColumnNr() : "?"));
        }
    }

    /**
     * One linear pass: true only when the body is certainly a single well-formed JSON object that Jackson's default
     * parser accepts too; false means "not certain" (Jackson decides). Recursion is bounded by {@link #MAX_DEPTH}.
     */
    static final class Scan {
        /** Within Jackson's default limits (string length 20M, names 50k, numbers 1,000 digits, depth 1,000). */
        static final int MAX_BODY = 4 << 20;
        static final int MAX_DEPTH = 200;
        static final int MAX_NUMBER = 500;
        static final int MAX_NAME = 10_000;

        private final byte[] b;
        private int i;
        String topic;

        Scan(byte[] body) {
            this.b = body;
        }

        boolean document() {
            ws();
            if (i >= b.length || b[i] != '{' || !object(1)) {
                return false;
            }
            ws();
            return i == b.length;
        }

        private void ws() {
            while (i < b.length && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) {
                i++;
            }
        }

        private boolean value(int depth) {
            ws();
            if (i >= b.length) {
                return false;
            }
            return switch (b[i]) {
                case '{' -> object(depth + 1);
                case '[' -> array(depth + 1);
                case '"' -> string() >= 0;
                case 't' -> literal("true");
                case 'f' -> literal("false");
                case 'n' -> literal("null");
                default -> number();
            };
        }

        private boolean object(int depth) {
            if (depth > MAX_DEPTH) {
                return false;
            }
            if (empty('}')) {
                return true;
            }
            while (true) {
                ws();
                if (i >= b.length || b[i] != '"') {
                    return false;
                }
                int start = i + 1;
                int length = string();
                if (length < 0 || length > MAX_NAME) {
                    return false;
                }
                if (depth == 1 && topic == null) {
                    if (escaped) {
                        return false; // the name's meaning needs decoding: Jackson decides
                    }
                    topLevelName(start, i - 1);
                }
                ws();
                if (i >= b.length || b[i] != ':') {
                    return false;
                }
                i++;
                if (!value(depth)) {
                    return false;
                }
                int next = next('}');
                if (next <= 0) {
                    return next == 0;
                }
            }
        }

        /** The raw bytes of a top-level name (never escaped: see object). */
        private void topLevelName(int from, int to) {
            if (matches(from, to, "ticket")) {
                topic = "ticket";
            } else if (matches(from, to, "message")) {
                topic = "message";
            }
        }

        private boolean matches(int from, int to, String word) {
            if (to - from != word.length()) {
                return false;
            }
            for (int k = 0; k < word.length(); k++) {
                if (b[from + k] != word.charAt(k)) {
                    return false;
                }
            }
            return true;
        }

        private boolean array(int depth) {
            if (depth > MAX_DEPTH) {
                return false;
            }
            if (empty(']')) {
                return true;
            }
            while (true) {
                if (!value(depth)) {
                    return false;
                }
                int next = next(']');
                if (next <= 0) {
                    return next == 0;
                }
            }
        }

        /** From a container's opening bracket: whether it is empty (then its {@code close} is read too). */
        private boolean empty(char close) {
            i++;
            ws();
            if (i < b.length && b[i] == close) {
                i++;
                return true;
            }
            return false;
        }

        /** After a member or an element: 1 on a comma (another follows), 0 on {@code close} (the end), -1 else. */
        private int next(char close) {
            ws();
            if (i >= b.length) {
                return -1;
            }
            if (b[i] == ',') {
                i++;
                return 1;
            }
            if (b[i] == close) {
                i++;
                return 0;
            }
            return -1;
        }

        /** A string from its opening quote: its length in bytes, or -1; {@link #escaped} says whether it had an escape. */
        private int string() {
            int start = ++i; // "
            escaped = false;
            while (i < b.length) {
                int c = b[i] & 0xff;
                if (c == '"') {
                    i++;
                    return i - start - 1;
                } else if (c == '\\') {
                    escaped = true;
                    if (!escape()) {
                        return -1;
                    }
                } else if (c < 0x20) {
                    return -1;
                } else if (c < 0x80) {
                    i++;
                } else if (!utf8(c)) {
                    return -1;
                }
            }
            return -1;
        }

        /** Whether the last string read had an escape. */
        private boolean escaped;

        private boolean escape() {
            i++; // backslash
            if (i >= b.length) {
                return false;
            }
            switch (b[i]) {
                case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> {
                    i++;
                    return true;
                }
                case 'u' -> {
                    if (i + 4 >= b.length) {
                        return false;
                    }
                    for (int k = 1; k <= 4; k++) {
                        if (Character.digit(b[i + k], 16) < 0) {
                            return false;
                        }
                    }
                    i += 5;
                    return true;
                }
                default -> {
                    return false;
                }
            }
        }

        /** A strict UTF-8 sequence (no overlong forms, no surrogates, at most U+10FFFF) starting with byte c. */
        private boolean utf8(int c) {
            int need;
            int min;
            int cp;
            if (c >= 0xc2 && c <= 0xdf) {
                need = 1;
                min = 0x80;
                cp = c & 0x1f;
            } else if (c >= 0xe0 && c <= 0xef) {
                need = 2;
                min = 0x800;
                cp = c & 0x0f;
            } else if (c >= 0xf0 && c <= 0xf4) {
                need = 3;
                min = 0x10000;
                cp = c & 0x07;
            } else {
                return false;
            }
            if (i + need >= b.length) {
                return false;
            }
            for (int k = 1; k <= need; k++) {
                int cc = b[i + k] & 0xff;
                if ((cc & 0xc0) != 0x80) {
                    return false;
                }
                cp = (cp << 6) | (cc & 0x3f);
            }
            if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
                return false;
            }
            i += need + 1;
            return true;
        }

        private boolean literal(String word) {
            if (!matches(i, Math.min(b.length, i + word.length()), word)) {
                return false;
            }
            i += word.length();
            // Jackson reads a literal glued to a letter or digit ("truex") as an error
            return i >= b.length || !Character.isLetterOrDigit(b[i]);
        }

        /** -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
        private boolean number() {
            int start = i;
            if (b[i] == '-') {
                i++;
            }
            if (i >= b.length) {
                return false;
            }
            if (b[i] == '0') {
                i++;
            } else if (b[i] >= '1' && b[i] <= '9') {
                digits();
            } else {
                return false;
            }
            if (i < b.length && b[i] == '.') {
                i++;
                if (digits() == 0) {
                    return false;
                }
            }
            if (i < b.length && (b[i] == 'e' || b[i] == 'E')) {
                i++;
                if (i < b.length && (b[i] == '+' || b[i] == '-')) {
                    i++;
                }
                if (digits() == 0) {
                    return false;
                }
            }
            // a number glued to a letter or digit, or a very long one: Jackson decides
            return i - start <= MAX_NUMBER && (i >= b.length || !Character.isLetterOrDigit(b[i]));
        }

        private int digits() {
            int start = i;
            while (i < b.length && b[i] >= '0' && b[i] <= '9') {
                i++;
            }
            return i - start;
        }
    }
}
