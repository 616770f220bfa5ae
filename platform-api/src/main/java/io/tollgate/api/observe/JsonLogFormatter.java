package io.tollgate.api.observe;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * One JSON object per record, on one line, for log collectors:
 * <pre>{"time":"2026-06-20T10:15:30.123Z","level":"WARNING","logger":"io.tollgate.api.upstream.UpstreamCaller",
 * "message":"upstream call failed: ...","tenant":"acme-boots","event_id":"0197...","request_id":"..."}</pre>
 * <ul>
 * <li>{@code time}: ISO-8601 in UTC, to the millisecond;</li>
 * <li>{@code level}: the {@link System.Logger.Level} names Tollgate's code logs with: {@code ERROR}, {@code WARNING},
 * {@code INFO}, {@code DEBUG}, {@code TRACE} (JUL's {@code SEVERE} is {@code ERROR}, {@code FINE} is {@code DEBUG});</li>
 * <li>{@code logger}, {@code message} (parameters filled in);</li>
 * <li>{@code tenant}, {@code event_id}, {@code request_id}: from the {@link LogContext} of the thread that logs, each
 * only when known;</li>
 * <li>{@code error}: {@code {"type", "message", "stack_trace"}} when the record carries an exception. The stack trace is
 * one string; records whose exception a client caused have already lost it to {@link GuardedHandler}.</li>
 * </ul>
 * Every control character is escaped, so a record is always exactly one line whatever a message contains. What goes
 * into a message is the logging code's business: Tollgate never logs secrets or payload bodies.
 */
public final class JsonLogFormatter extends Formatter {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    @Override
    public String format(LogRecord record) {
        StringBuilder b = new StringBuilder(256);
        b.append("{\"time\":\"");
        TIME.formatTo(record.getInstant(), b);
        b.append('"');
        field(b, "level", level(record.getLevel()));
        field(b, "logger", record.getLoggerName() == null ? "" : record.getLoggerName());
        String message = formatMessage(record);
        field(b, "message", message == null ? "" : message);
        LogContext.Fields context = LogContext.current();
        if (context.tenant() != null) {
            field(b, "tenant", context.tenant());
        }
        if (context.eventId() != null) {
            field(b, "event_id", context.eventId().toString());
        }
        if (context.requestId() != null) {
            field(b, "request_id", context.requestId());
        }
        Throwable thrown = record.getThrown();
        if (thrown != null) {
            b.append(",\"error\":{\"type\":");
            string(b, thrown.getClass().getName());
            if (thrown.getMessage() != null) {
                b.append(",\"message\":");
                string(b, thrown.getMessage());
            }
            StringWriter trace = new StringWriter();
            thrown.printStackTrace(new PrintWriter(trace));
            b.append(",\"stack_trace\":");
            string(b, trace.toString());
            b.append('}');
        }
        return b.append("}\n").toString();
    }

    /** The {@link System.Logger.Level} name of a JUL level (custom levels by their value). */
    static String level(Level level) {
        int v = level.intValue();
        if (v >= Level.SEVERE.intValue()) {
            return "ERROR";
        }
        if (v >= Level.WARNING.intValue()) {
            return "WARNING";
        }
        if (v >= Level.INFO.intValue()) {
            return "INFO";
        }
        if (v >= Level.FINE.intValue()) {
            return "DEBUG";
        }
        return "TRACE";
    }

    private static void field(StringBuilder b, String name, String value) {
        b.append(",\"").append(name).append("\":");
        string(b, value);
    }

    /** A JSON string: quotes, backslashes, control characters, line separators escaped; a lone surrogate becomes U+FFFD. */
    static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        unicode(b, c);
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1))) {
                        b.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        b.append('\uFFFD'); // alone, it is no character and cannot be written as UTF-8
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    private static void unicode(StringBuilder b, char c) {
        b.append("\\u");
        String hex = Integer.toHexString(c);
        b.append("0".repeat(4 - hex.length())).append(hex);
    }
}
