package io.tollgate.api.observe;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.LogCapture;
import io.tollgate.tenant.EventId;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.assertj.core.api.Assertions.assertThat;

/** The log line formats and the log context on their own, and the production console handler writing them. */
class JsonLogFormatterTest {
    private final JsonLogFormatter json = new JsonLogFormatter();

    private static LogRecord record(Level level, String message, Throwable thrown, Object... params) {
        LogRecord r = new LogRecord(level, message);
        r.setLoggerName("io.tollgate.test.Logger");
        r.setInstant(Instant.parse("2026-06-20T10:15:30.123456Z"));
        r.setThrown(thrown);
        if (params.length > 0) {
            r.setParameters(params);
        }
        return r;
    }

    @Test
    void aRecordIsOneLineOfOneJsonObjectWithTheFields() {
        String nasty = "quote \" backslash \\ newline \n cr \r tab \t bell \u0007 del \u007f ls \u2028 ps \u2029"
                + " umlaut \u00fc emoji \uD83D\uDE00 lone \uD800 end";
        JsonNode r = LogCapture.parse(json.format(record(Level.WARNING, nasty, null)));
        assertThat(r.get("time").asText()).isEqualTo("2026-06-20T10:15:30.123Z");
        assertThat(r.get("level").asText()).isEqualTo("WARNING");
        assertThat(r.get("logger").asText()).isEqualTo("io.tollgate.test.Logger");
        assertThat(r.get("message").asText()).isEqualTo(nasty.replace('\uD800', '\uFFFD'));
        assertThat(r.has("tenant")).isFalse();
        assertThat(r.has("event_id")).isFalse();
        assertThat(r.has("request_id")).isFalse();
        assertThat(r.has("error")).isFalse();
    }

    @Test
    void parametersAreFilledInAndLevelsHaveTheSystemLoggerNames() {
        assertThat(LogCapture.parse(json.format(record(Level.INFO, "took {0} ms for {1}", null, 12, "x")))
                           .get("message").asText()).isEqualTo("took 12 ms for x");
        assertThat(List.of(Level.SEVERE, Level.WARNING, Level.INFO, Level.CONFIG, Level.FINE, Level.FINER,
                           Level.FINEST))
                .extracting(l -> LogCapture.parse(json.format(record(l, "m", null))).get("level").asText())
                .containsExactly("ERROR", "WARNING", "INFO", "DEBUG", "DEBUG", "TRACE", "TRACE");
    }

    @Test
    void anExceptionIsItsTypeMessageAndTheStackTraceAsOneString() {
        IllegalStateException bug = new IllegalStateException("bug\nsecond line", new RuntimeException("cause"));
        String line = json.format(record(Level.SEVERE, "unexpected error", bug));
        JsonNode error = LogCapture.parse(line).get("error");
        assertThat(error.get("type").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(error.get("message").asText()).isEqualTo("bug\nsecond line");
        assertThat(error.get("stack_trace").isTextual()).isTrue();
        assertThat(error.get("stack_trace").asText())
                .startsWith("java.lang.IllegalStateException: bug\nsecond line\n\tat ")
                .contains("Caused by: java.lang.RuntimeException: cause");
        assertThat(line).doesNotContain("\tat ");
    }

    @Test
    void theContextOfTheLoggingThreadIsInTheLineAndOnlyInsideItsScope() {
        EventId event = new EventId(UUID.randomUUID());
        LogContext.tenant("ignored-outside-a-scope");
        assertThat(LogContext.current().isEmpty()).isTrue();
        try (LogContext.Scope request = LogContext.openEmpty()) {
            LogContext.requestId("req-1");
            LogContext.tenant("acme-boots");
            try (LogContext.Scope job = LogContext.forEvent(event)) {
                JsonNode r = LogCapture.parse(json.format(record(Level.INFO, "inside", null)));
                assertThat(r.get("tenant").asText()).isEqualTo("acme-boots");
                assertThat(r.get("event_id").asText()).isEqualTo(event.value().toString());
                assertThat(r.get("request_id").asText()).isEqualTo("req-1");
                LogContext.tenant("other-shop");
            }
            // the inner scope's changes are gone with it
            assertThat(LogContext.current()).isEqualTo(new LogContext.Fields("req-1", "acme-boots", null));
            // another thread has its own (none)
            assertThat(CompletableFuture.supplyAsync(LogContext::current).join().isEmpty()).isTrue();
        }
        assertThat(LogContext.current().isEmpty()).isTrue();
        JsonNode after = LogCapture.parse(json.format(record(Level.INFO, "after", null)));
        assertThat(after.has("tenant") || after.has("request_id") || after.has("event_id")).isFalse();
    }

    @Test
    void theTextFormatAppendsTheContextAndKeepsTheStackTraceReadable() {
        TextLogFormatter text = new TextLogFormatter();
        assertThat(text.format(record(Level.INFO, "no context", null))).contains("no context").doesNotContain("[");
        try (LogContext.Scope s = LogContext.openEmpty()) {
            LogContext.requestId("req-2");
            LogContext.tenant("acme-boots");
            String line = text.format(record(Level.SEVERE, "failed", new IllegalStateException("bug")));
            assertThat(line).contains("failed [request_id=req-2 tenant=acme-boots]").contains("\tat ");
            assertThat(line.strip()).doesNotStartWith("{");
        }
    }

    @Test
    void theProductionConsoleHandlerWritesGuardedJsonLines() {
        List<String> lines = new ArrayList<>();
        Handler handler = console(LogFormat.JSON, lines, h -> {
            try (LogContext.Scope s = LogContext.openEmpty()) {
                LogContext.requestId("req-3");
                LogContext.tenant("acme-boots");
                // a client's dropped connection: one line naming the cause, no stack trace
                h.publish(record(Level.WARNING, "unexpected I/O exception", new SocketException("Connection reset")));
                // the same kind again: suppressed
                h.publish(record(Level.WARNING, "unexpected I/O exception", new SocketException("Connection reset")));
                // a server fault keeps its trace
                h.publish(record(Level.SEVERE, "unexpected error", new IllegalStateException("bug")));
            }
            try (LogContext.Scope s = LogContext.openEmpty()) {
                LogContext.requestId("req-unrelated");
                h.close(); // reports the suppressed record from this thread
            }
        });
        assertThat(lines).hasSize(3);
        List<JsonNode> records = lines.stream().map(l -> LogCapture.parse(l + "\n")).toList();
        assertThat(records.get(0).get("message").asText())
                .isEqualTo("unexpected I/O exception (client connection: SocketException: Connection reset)");
        assertThat(records.get(0).has("error")).isFalse();
        assertThat(records.get(0).get("request_id").asText()).isEqualTo("req-3");
        assertThat(records.get(0).get("tenant").asText()).isEqualTo("acme-boots");
        assertThat(records.get(1).at("/error/type").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(records.get(1).at("/error/stack_trace").asText()).contains("\tat ");
        assertThat(records.get(2).get("message").asText()).startsWith("suppressed 1 more like the previous record");
        assertThat(records.get(2).has("request_id")).as("a summary belongs to no request").isFalse();
        assertThat(records.get(2).has("tenant")).isFalse();
    }

    @Test
    void theTextConsoleHandlerWritesReadableLines() {
        List<String> lines = new ArrayList<>();
        console(LogFormat.TEXT, lines, h -> {
            try (LogContext.Scope s = LogContext.openEmpty()) {
                LogContext.requestId("req-4");
                h.publish(record(Level.INFO, "hello", null));
            }
            h.close();
        });
        // the layout is java.util.logging.SimpleFormatter.format's (logging.properties); the context ends the message
        String text = String.join("\n", lines);
        assertThat(text).contains("INFO", "hello [request_id=req-4]").doesNotStartWith("{");
    }

    @Test
    void theSettingIsJsonOrText() {
        assertThat(LogFormat.parse(" JSON ")).contains(LogFormat.JSON);
        assertThat(LogFormat.parse("text")).contains(LogFormat.TEXT);
        assertThat(LogFormat.parse("yaml")).isEmpty();
        assertThat(LogFormat.parse(null)).isEmpty();
    }

    /** A production console handler of {@code format} writing into {@code lines} while {@code use} runs. */
    private static Handler console(LogFormat format, List<String> lines,
                                   java.util.function.Consumer<Handler> use) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Handler handler;
        PrintStream stdout = System.out;
        synchronized (System.class) {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            try {
                handler = new GuardedConsoleHandler(format);
            } finally {
                System.setOut(stdout);
            }
        }
        use.accept(handler);
        handler.flush();
        out.toString(StandardCharsets.UTF_8).lines().forEach(lines::add);
        return handler;
    }
}
