package io.tollgate.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.tollgate.api.observe.JsonLogFormatter;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * Captures everything the server logs (all levels down to FINE) as the production JSON formatter writes it, on the
 * thread that logs (so each line has that thread's request id, tenant and event id), one string per record.
 */
public final class JsonLogCapture extends Handler implements AutoCloseable {
    private static final ObjectReader JSON = new ObjectMapper().readerFor(JsonNode.class)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final CapturedRoot root;

    private JsonLogCapture() {
        setLevel(Level.ALL);
        setFormatter(new JsonLogFormatter());
        root = new CapturedRoot(this);
    }

    public static JsonLogCapture start() {
        return new JsonLogCapture();
    }

    @Override
    public void publish(LogRecord record) {
        if (isLoggable(record)) {
            lines.add(getFormatter().format(record));
        }
    }

    /** Every line written so far, exactly as formatted (each ends with its one newline). */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** Every line parsed; fails if one is not exactly one line holding one JSON object. */
    public List<JsonNode> records() {
        return lines().stream().map(JsonLogCapture::parse).toList();
    }

    /** The records whose {@code request_id} is {@code id}. */
    public List<JsonNode> ofRequest(String id) {
        return records().stream().filter(r -> r.path("request_id").asText("").equals(id)).toList();
    }

    /**
     * Waits up to five seconds for a record of request {@code id} whose message starts with {@code prefix} (a line
     * written after the answer was sent may come a moment after the client has it).
     */
    public JsonNode await(String id, String prefix) {
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        while (true) {
            java.util.Optional<JsonNode> found = ofRequest(id).stream()
                    .filter(r -> r.path("message").asText("").startsWith(prefix)).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("no line '" + prefix + "...' of request " + id + " in " + lines());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    public static JsonNode parse(String line) {
        if (!line.endsWith("\n") || line.indexOf('\n') != line.length() - 1) {
            throw new AssertionError("not exactly one line: " + line);
        }
        try {
            JsonNode node = JSON.readTree(line);
            if (node == null || !node.isObject()) {
                throw new AssertionError("not a JSON object: " + line);
            }
            return node;
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        root.close();
    }
}
