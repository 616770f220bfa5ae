package io.tollgate.api.observe;

import java.util.logging.Formatter;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

/**
 * The readable console format ({@code TOLLGATE_LOG_FORMAT=text}, for developers): the JDK's {@link SimpleFormatter}
 * with the {@code java.util.logging.SimpleFormatter.format} of {@code logging.properties}, the {@link LogContext}
 * appended to the message when there is one: {@code ... - upstream call failed: ... [request_id=... tenant=acme
 * event_id=...]}.
 */
public final class TextLogFormatter extends Formatter {
    private final SimpleFormatter simple = new SimpleFormatter();

    @Override
    public String format(LogRecord record) {
        LogContext.Fields context = LogContext.current();
        if (context.isEmpty()) {
            return simple.format(record);
        }
        StringBuilder suffix = new StringBuilder(" [");
        if (context.requestId() != null) {
            suffix.append("request_id=").append(context.requestId()).append(' ');
        }
        if (context.tenant() != null) {
            suffix.append("tenant=").append(context.tenant()).append(' ');
        }
        if (context.eventId() != null) {
            suffix.append("event_id=").append(context.eventId()).append(' ');
        }
        suffix.setCharAt(suffix.length() - 1, ']');
        String message = simple.formatMessage(record);
        LogRecord copy = new LogRecord(record.getLevel(), (message == null ? "" : message) + suffix);
        copy.setLoggerName(record.getLoggerName());
        copy.setInstant(record.getInstant());
        copy.setLongThreadID(record.getLongThreadID());
        copy.setSequenceNumber(record.getSequenceNumber());
        copy.setSourceClassName(record.getSourceClassName());
        copy.setSourceMethodName(record.getSourceMethodName());
        copy.setThrown(record.getThrown());
        return simple.format(copy);
    }
}
