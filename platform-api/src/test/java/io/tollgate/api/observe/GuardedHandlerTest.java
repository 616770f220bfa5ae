package io.tollgate.api.observe;

import io.helidon.common.buffers.DataReader;
import io.helidon.http.DirectHandler;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.net.SocketException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/** The log guard on its own: what passes, what is stripped, what is counted. */
class GuardedHandlerTest {
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    private final List<LogRecord> out = new CopyOnWriteArrayList<>();
    private final GuardedHandler guard = new GuardedHandler(new Handler() {
        @Override
        public void publish(LogRecord record) {
            out.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }, Duration.ofSeconds(60), 1, now::get);

    private static LogRecord record(Level level, String logger, String message, Throwable thrown) {
        LogRecord r = new LogRecord(level, message);
        r.setLoggerName(logger);
        r.setThrown(thrown);
        return r;
    }

    @Test
    void tenThousandRepeatsOfOneKindGiveOneLineAndOneCountPerInterval() {
        for (int i = 0; i < 10_000; i++) {
            guard.publish(record(Level.INFO, "io.tollgate.api.http.ErrorHandling",
                                 "refused POST /webhooks/shop-" + i + "/shopify from 10.0.0." + (i % 250)
                                         + ": 400 malformed-request", null));
        }
        assertThat(out).hasSize(1);
        assertThat(out.getFirst().getMessage()).contains("refused POST /webhooks/shop-0/shopify");

        now.set(now.get().plusSeconds(61));
        guard.publish(record(Level.INFO, "io.tollgate.api.http.ErrorHandling",
                             "refused POST /webhooks/x/shopify from 10.0.0.1: 400 malformed-request", null));
        assertThat(out).hasSize(3);
        assertThat(out.get(1).getMessage()).startsWith("suppressed 9999 more like the previous record in 61 s:");
        assertThat(out.get(2).getMessage()).contains("/webhooks/x/shopify");
    }

    @Test
    void differentKindsEachGetTheirLine() {
        guard.publish(record(Level.WARNING, "a", "database unavailable during POST /x", null));
        guard.publish(record(Level.WARNING, "a", "database unavailable during POST /y", null));
        guard.publish(record(Level.WARNING, "b", "database unavailable during POST /x", null));
        guard.publish(record(Level.SEVERE, "a", "database unavailable during POST /x", null));
        guard.publish(record(Level.WARNING, "a", "could not close RetentionSweeper", null));
        assertThat(out).extracting(LogRecord::getMessage).containsExactly(
                "database unavailable during POST /x", "database unavailable during POST /x",
                "database unavailable during POST /x", "could not close RetentionSweeper");
    }

    @Test
    void aSuppressedCountIsReportedWhenTheIntervalIsOverEvenWithoutAnotherRecordOfItsKind() {
        guard.publish(record(Level.WARNING, "a", "same", null));
        guard.publish(record(Level.WARNING, "a", "same", null));
        guard.publish(record(Level.WARNING, "a", "same", null));
        now.set(now.get().plusSeconds(90));
        guard.publish(record(Level.INFO, "b", "something else", null));
        assertThat(out).extracting(LogRecord::getMessage).containsExactly(
                "same", "suppressed 2 more like the previous record in 90 s: same", "something else");
    }

    @Test
    void closingReportsWhatIsStillSuppressed() {
        guard.publish(record(Level.WARNING, "a", "same", null));
        guard.publish(record(Level.WARNING, "a", "same", null));
        guard.close();
        assertThat(out).extracting(LogRecord::getMessage).containsExactly(
                "same", "suppressed 1 more like the previous record in 0 s: same");
    }

    @Test
    void clientCausedExceptionsLoseTheirStackTraceButNotTheirCause() {
        Throwable reset = new UncheckedIOException(new SocketException("Connection reset"));
        guard.publish(record(Level.WARNING, "io.helidon.webserver.ConnectionHandler", "unexpected I/O exception",
                             reset));
        Throwable cutShort = new RuntimeException(new DataReader.InsufficientDataAvailableException());
        guard.publish(record(Level.SEVERE, "x.y", "body", cutShort));
        Throwable badRequest = RequestException.builder().type(DirectHandler.EventType.BAD_REQUEST)
                .status(Status.BAD_REQUEST_400).message("bad").build();
        guard.publish(record(Level.WARNING, "x.z", "escaped Request exception", badRequest));

        assertThat(out).hasSize(3).allSatisfy(r -> assertThat(r.getThrown()).isNull());
        assertThat(out.get(0).getMessage())
                .isEqualTo("unexpected I/O exception (client connection: SocketException: Connection reset)");
        assertThat(out.get(0).getLevel()).isEqualTo(Level.WARNING);
        assertThat(out.get(1).getMessage()).startsWith("body (client connection: InsufficientDataAvailableException");
    }

    @Test
    void serverFaultsKeepTheirStackTrace() {
        Throwable bug = new IllegalStateException("bug");
        Throwable wrapped = RequestException.builder().type(DirectHandler.EventType.INTERNAL_ERROR)
                .message("Internal error").cause(new NullPointerException()).build();
        guard.publish(record(Level.SEVERE, "a", "unexpected error", bug));
        guard.publish(record(Level.WARNING, "b", "Internal server error", wrapped));
        assertThat(out).extracting(LogRecord::getThrown).containsExactly(bug, wrapped);
    }

    @Test
    void aLoggerSetToFineKeepsClientTraces() {
        Logger debugged = Logger.getLogger("io.tollgate.test.debugged");
        Level before = debugged.getLevel();
        debugged.setLevel(Level.FINE);
        try {
            Throwable reset = new SocketException("Connection reset");
            guard.publish(record(Level.WARNING, debugged.getName(), "dropped", reset));
            assertThat(out.getFirst().getThrown()).isSameAs(reset);
        } finally {
            debugged.setLevel(before);
        }
    }

    @Test
    void debugRecordsPassUnchangedAndUnlimited() {
        for (int i = 0; i < 100; i++) {
            guard.publish(record(Level.FINE, "a", "recv prologue", new SocketException("x")));
        }
        assertThat(out).hasSize(100).allSatisfy(r -> assertThat(r.getThrown()).isNotNull());
    }

    @Test
    void endlesslyVariedMessagesCannotGrowTheTableOrEscapeTheLimit() {
        for (int i = 0; i < 20_000; i++) {
            guard.publish(record(Level.INFO, "a", "refused " + Integer.toString(i, 26).replaceAll("[0-9]", "q")
                                                  + "x request", null));
        }
        assertThat(guard.kinds()).hasSizeLessThanOrEqualTo(GuardedHandler.MAX_KINDS + 1);
        assertThat(out).hasSizeLessThanOrEqualTo(GuardedHandler.MAX_KINDS + 1);
    }
}
