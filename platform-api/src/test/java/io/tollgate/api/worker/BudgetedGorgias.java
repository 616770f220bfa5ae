package io.tollgate.api.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gorgias's ticket-messages API as one account's limits make it behave, for many tenants at once (a small HTTP server
 * of its own). Callers are known by their basic auth (else 401, as Gorgias answers). Each account takes at most
 * {@code limit} calls in any {@code window}, every call counted; a call past that is answered 429 with
 * {@code Retry-After} in seconds, and every answer carries {@code X-Gorgias-Account-Api-Call-Limit: used/limit}
 * (https://developers.gorgias.com/reference/limitations). {@code POST /api/tickets/{id}/messages} takes an internal
 * note (400 without a channel, a sender, a body or with a body that is not JSON), held open {@code hold} so that calls
 * of one tenant overlap when they can; {@code GET} of the same path lists the ticket's notes with their
 * {@code external_id}, one page; {@code GET /api/tickets/{id}} answers a ticket given to {@link #remember} (its
 * messages embedded, as Gorgias's ticket answer has them), 404 otherwise.
 *
 * <p>It records every call's arrival per account (to check the window afterwards), the most note posts of one tenant
 * in flight at once, and the notes of each ticket.
 */
final class BudgetedGorgias implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern MESSAGES = Pattern.compile("/api/tickets/([0-9]{1,18})/messages");
    private static final Pattern TICKET = Pattern.compile("/api/tickets/([0-9]{1,18})/?");

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(32);
    private final int limit;
    private final long windowNanos;
    private final long holdMillis;
    private final AtomicLong ids = new AtomicLong(900_000);

    /** basic auth (base64) → account; basic auth → tenant (its username). */
    private final Map<String, String> accounts = new HashMap<>();
    private final Map<String, String> users = new HashMap<>();
    /** account → arrival times (nanoTime) of the calls in the current window. */
    private final Map<String, Deque<Long>> window = new HashMap<>();
    /** account → every call's arrival (nanoTime), answered or refused. */
    private final Map<String, List<Long>> arrivals = new HashMap<>();
    private final Map<String, Integer> inFlight = new HashMap<>();
    private final Map<String, Integer> mostInFlight = new HashMap<>();
    /** ticket id → the ticket as {@code GET /api/tickets/{id}} answers it (with its messages). */
    private final Map<Long, JsonNode> tickets = new HashMap<>();
    /** ticket id → the notes posted to it. */
    private final Map<Long, List<ObjectNode>> notes = new HashMap<>();
    private int tooMany;

    BudgetedGorgias(int limit, Duration window, Duration hold) throws IOException {
        this.limit = limit;
        this.windowNanos = window.toNanos();
        this.holdMillis = hold.toMillis();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    synchronized void user(String account, String username, String apiKey) {
        String basic = Base64.getEncoder().encodeToString((username + ":" + apiKey).getBytes(StandardCharsets.UTF_8));
        accounts.put(basic, account);
        users.put(basic, username);
    }

    /** Makes the ticket of {@code delivery} (a {@code {"ticket": {...}}} body) one this Gorgias has. */
    synchronized void remember(byte[] delivery) throws IOException {
        JsonNode ticket = JSON.readTree(delivery).get("ticket");
        tickets.put(ticket.get("id").asLong(), ticket);
    }

    synchronized List<Long> arrivals(String account) {
        return List.copyOf(arrivals.getOrDefault(account, List.of()));
    }

    synchronized int mostInFlight(String username) {
        return mostInFlight.getOrDefault(username, 0);
    }

    synchronized int tooMany() {
        return tooMany;
    }

    synchronized List<ObjectNode> notes(long ticketId) {
        return List.copyOf(notes.getOrDefault(ticketId, List.of()));
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            String basic = auth != null && auth.startsWith("Basic ") ? auth.substring(6).strip() : "";
            String account;
            String user;
            synchronized (this) {
                account = accounts.get(basic);
                user = users.get(basic);
            }
            if (account == null) {
                answer(ex, 401, "{\"error\": {\"msg\": \"Unauthorized\"}}", null);
                return;
            }
            Admission admission = admit(account);
            String used = admission.used();
            if (!admission.admitted()) {
                ex.getResponseHeaders().set("Retry-After", String.valueOf(admission.retryAfterSeconds()));
                answer(ex, 429, "{\"error\": {\"msg\": \"Too many requests\"}}", used);
                return;
            }
            Matcher t = TICKET.matcher(ex.getRequestURI().getPath());
            if (t.matches() && ex.getRequestMethod().equals("GET")) {
                JsonNode ticket;
                synchronized (this) {
                    ticket = tickets.get(Long.parseLong(t.group(1)));
                }
                if (ticket == null) {
                    answer(ex, 404, "{\"error\": {\"msg\": \"Not found\"}}", used);
                } else {
                    answer(ex, 200, ticket.toString(), used);
                }
                return;
            }
            Matcher m = MESSAGES.matcher(ex.getRequestURI().getPath());
            if (!m.matches()) {
                answer(ex, 404, "{\"error\": {\"msg\": \"Not found\"}}", used);
                return;
            }
            long ticket = Long.parseLong(m.group(1));
            switch (ex.getRequestMethod()) {
                case "GET" -> answer(ex, 200, list(ticket), used);
                case "POST" -> post(ex, ticket, user, body, used);
                default -> answer(ex, 405, "{\"error\": {\"msg\": \"Method not allowed\"}}", used);
            }
        } catch (RuntimeException e) {
            ex.sendResponseHeaders(500, -1);
        }
    }

    /** A call's place in its account's window: admitted, or refused until a call leaves the window. */
    private record Admission(boolean admitted, String used, long retryAfterSeconds) {
    }

    /** Counts the call against its account's window (the calls of the last {@code window}, this one included). */
    private synchronized Admission admit(String account) {
        long now = System.nanoTime();
        arrivals.computeIfAbsent(account, a -> new ArrayList<>()).add(now);
        Deque<Long> calls = window.computeIfAbsent(account, a -> new ArrayDeque<>());
        while (!calls.isEmpty() && now - calls.peekFirst() >= windowNanos) {
            calls.pollFirst();
        }
        if (calls.size() >= limit) {
            tooMany++;
            long wait = calls.peekFirst() + windowNanos - now;
            return new Admission(false, limit + "/" + limit, Math.max(1, (long) Math.ceil(wait / 1e9)));
        }
        calls.addLast(now);
        return new Admission(true, calls.size() + "/" + limit, 0);
    }

    private void post(HttpExchange ex, long ticket, String user, byte[] body, String used) throws IOException {
        JsonNode note;
        try {
            note = JSON.readTree(body);
        } catch (IOException e) {
            answer(ex, 400, "{\"error\": {\"msg\": \"Invalid JSON\"}}", used);
            return;
        }
        if (note == null || !note.isObject() || !note.path("channel").isTextual()
                || !note.path("sender").isObject()
                || (!note.path("body_text").isTextual() && !note.path("body_html").isTextual())) {
            answer(ex, 400, "{\"error\": {\"msg\": \"channel, sender and body_text or body_html are required\"}}",
                   used);
            return;
        }
        synchronized (this) {
            int now = inFlight.merge(user, 1, Integer::sum);
            mostInFlight.merge(user, now, Math::max);
        }
        try {
            Thread.sleep(holdMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            synchronized (this) {
                inFlight.merge(user, -1, Integer::sum);
            }
        }
        ObjectNode stored = ((ObjectNode) note).deepCopy();
        stored.put("id", ids.incrementAndGet());
        stored.put("ticket_id", ticket);
        synchronized (this) {
            notes.computeIfAbsent(ticket, t -> new ArrayList<>()).add(stored);
        }
        answer(ex, 201, stored.toString(), used);
    }

    private synchronized String list(long ticket) {
        ObjectNode page = JSON.createObjectNode();
        ArrayNode data = page.putArray("data");
        notes.getOrDefault(ticket, List.of()).forEach(data::add);
        page.putObject("meta").putNull("next_cursor");
        return page.toString();
    }

    private static void answer(HttpExchange ex, int status, String json, String used) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        if (used != null) {
            ex.getResponseHeaders().set("X-Gorgias-Account-Api-Call-Limit", used);
        }
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
