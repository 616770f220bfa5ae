package io.tollgate.api.observe;

import io.helidon.common.buffers.DataReader;
import io.helidon.common.socket.SocketWriterException;
import io.helidon.http.RequestException;
import io.helidon.webserver.CloseConnectionException;

import java.io.EOFException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * A log handler in front of another that keeps an unauthenticated client from filling the disk:
 * <ul>
 * <li>a record whose exception a client caused (a dropped or stalled connection, broken framing) loses its stack
 * trace and keeps one line naming the cause; set that record's logger to {@code FINE} to see the trace again;</li>
 * <li>records of one kind (logger, level and message with numbers, ids and paths left out) pass at most
 * {@code burst} times per {@code interval}; the rest are counted, and one line reports how many were suppressed
 * when the interval is over.</li>
 * </ul>
 * Records below {@code INFO} (debugging someone asked for) pass unchanged. The target formats each record on the
 * thread that logged it, so it can read that thread's {@link LogContext}; the "suppressed" lines carry none.
 */
public class GuardedHandler extends Handler {
    /** Kinds tracked at once; past it, new kinds share one allowance per logger, so varied messages cannot escape. */
    static final int MAX_KINDS = 1024;
    private static final int MAX_TEMPLATE = 120;
    /** Only its {@code formatMessage} is used (parameters into the message), which keeps no state. */
    private static final Formatter MESSAGES = new SimpleFormatter();

    private final Handler target;
    private final Duration interval;
    private final int burst;
    private final Supplier<Instant> clock;
    private final Map<String, Window> windows = new LinkedHashMap<>();
    private Instant lastSweep = Instant.MIN;

    public GuardedHandler(Handler target, Duration interval, int burst, Supplier<Instant> clock) {
        if (interval.isNegative() || interval.isZero() || burst < 1) {
            throw new IllegalArgumentException("interval must be positive and burst at least 1");
        }
        this.target = target;
        this.interval = interval;
        this.burst = burst;
        this.clock = clock;
    }

    @Override
    public synchronized void publish(LogRecord record) {
        if (record == null || !isLoggable(record)) {
            return;
        }
        if (record.getLevel().intValue() < Level.INFO.intValue()) {
            target.publish(record);
            return;
        }
        LogRecord guarded = withoutClientTrace(record);
        Instant now = clock.get();
        sweep(now);
        String kind = kind(guarded);
        Window w = windows.get(kind);
        if (w == null) {
            if (windows.size() >= MAX_KINDS) {
                kind = guarded.getLoggerName() + "|(other kinds)";
                w = windows.get(kind);
            }
            if (w == null) {
                w = new Window(now, guarded);
                windows.put(kind, w);
            }
        }
        if (!now.isBefore(w.start.plus(interval))) {
            report(w, now);
            w.start = now;
            w.passed = 0;
        }
        if (w.passed < burst) {
            w.passed++;
            w.sample = guarded;
            target.publish(guarded);
        } else {
            w.suppressed++;
        }
    }

    /** Reports the suppressed counts of intervals that are over, at most once a second. */
    private void sweep(Instant now) {
        if (now.isBefore(lastSweep.plusSeconds(1))) {
            return;
        }
        lastSweep = now;
        for (Iterator<Window> it = windows.values().iterator(); it.hasNext(); ) {
            Window w = it.next();
            if (!now.isBefore(w.start.plus(interval))) {
                report(w, now);
                it.remove();
            }
        }
    }

    private void report(Window w, Instant now) {
        if (w.suppressed == 0) {
            return;
        }
        LogRecord summary = new LogRecord(w.sample.getLevel(), "suppressed " + w.suppressed + " more like the"
                + " previous record in " + Duration.between(w.start, now).toSeconds() + " s: " + message(w.sample));
        summary.setLoggerName(w.sample.getLoggerName());
        summary.setInstant(now);
        // written by whichever thread happens to log next: it must not carry that thread's request, tenant or event
        try (LogContext.Scope none = LogContext.openEmpty()) {
            target.publish(summary);
        }
        w.suppressed = 0;
    }

    /** The record, or a copy of it without the stack trace when a client caused its exception. */
    static LogRecord withoutClientTrace(LogRecord record) {
        Throwable thrown = record.getThrown();
        if (thrown == null || !clientCaused(thrown)) {
            return record;
        }
        String name = record.getLoggerName();
        if (name != null && Logger.getLogger(name).isLoggable(Level.FINE)) {
            return record; // someone is debugging this logger: keep the trace
        }
        Throwable root = thrown;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String why = root.getMessage() == null ? "" : ": " + oneLine(root.getMessage());
        LogRecord copy = new LogRecord(record.getLevel(), oneLine(MESSAGES.formatMessage(record))
                + " (client connection: " + root.getClass().getSimpleName() + why + ")");
        copy.setLoggerName(name);
        copy.setInstant(record.getInstant());
        copy.setLongThreadID(record.getLongThreadID());
        copy.setSequenceNumber(record.getSequenceNumber());
        copy.setSourceClassName(record.getSourceClassName());
        copy.setSourceMethodName(record.getSourceMethodName());
        return copy;
    }

    /** Whether a client, not the server, caused this: the connection failed, stalled or carried broken HTTP. */
    static boolean clientCaused(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RequestException re) {
                if (re.status().code() < 500) {
                    return true;
                }
                continue; // the web server's wrapper of an internal error: judge by its cause
            }
            if (t instanceof SocketException || t instanceof SocketTimeoutException
                    || t instanceof ClosedChannelException || t instanceof EOFException
                    || t instanceof DataReader.InsufficientDataAvailableException
                    || t instanceof DataReader.IncorrectNewLineException
                    || t instanceof CloseConnectionException || t instanceof SocketWriterException) {
                return true;
            }
        }
        return false;
    }

    /** Logger, level and the message with what varies (numbers, ids, paths, bracketed socket ids) left out. */
    static String kind(LogRecord record) {
        StringBuilder b = new StringBuilder();
        for (String word : message(record).replaceAll("\\[[^]]*]", "").split("\\s+")) {
            if (word.isEmpty()) {
                continue;
            }
            if (word.startsWith("/")) {
                b.append("/ ");
            } else if (word.chars().anyMatch(Character::isDigit)) {
                b.append("# ");
            } else {
                b.append(word).append(' ');
            }
            if (b.length() > MAX_TEMPLATE) {
                break;
            }
        }
        return record.getLoggerName() + '|' + record.getLevel() + '|' + b;
    }

    private static String message(LogRecord record) {
        String m = record.getMessage();
        return m == null ? "" : oneLine(m);
    }

    private static String oneLine(String s) {
        String line = s.replaceAll("[\\r\\n]+", " ");
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }

    @Override
    public void flush() {
        target.flush();
    }

    /** Reports what is still suppressed, then closes the target. */
    @Override
    public synchronized void close() {
        Instant now = clock.get();
        for (Window w : new ArrayList<>(windows.values())) {
            report(w, now);
        }
        windows.clear();
        target.close();
    }

    /** How one kind of record fared in its current interval. */
    private static final class Window {
        private Instant start;
        private int passed;
        private long suppressed;
        private LogRecord sample;

        Window(Instant start, LogRecord sample) {
            this.start = start;
            this.sample = sample;
        }
    }

    /** For tests: the kinds tracked now. */
    synchronized List<String> kinds() {
        return List.copyOf(windows.keySet());
    }
}
