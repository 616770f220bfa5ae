package io.tollgate.api.draft;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A chat-completions server on a raw socket that answers as slowly as a stuck model can: it reads the request, then
 * sends the status line, the headers and a valid JSON answer one byte at a time, {@code gapMillis} apart. Every byte
 * comes well within any per-read timeout; the whole answer takes minutes. It stops when the client hangs up.
 */
final class TricklingModel implements AutoCloseable {
    private final ServerSocket socket;
    private final long gapMillis;
    private final byte[] answer;
    private final AtomicInteger requests = new AtomicInteger();
    private final CountDownLatch hungUp = new CountDownLatch(1);
    private final Thread acceptor;

    TricklingModel(long gapMillis, String content) throws IOException {
        this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.gapMillis = gapMillis;
        String body = "{\"id\": \"chatcmpl-slow\", \"object\": \"chat.completion\", \"choices\": [{\"index\": 0,"
                + " \"message\": {\"role\": \"assistant\", \"content\": \"" + content + "\"},"
                + " \"finish_reason\": \"stop\"}]}";
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        this.answer = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + b.length
                + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8);
        this.acceptor = Thread.ofVirtual().start(this::accept);
    }

    int port() {
        return socket.getLocalPort();
    }

    /** Requests read in full. */
    int requests() {
        return requests.get();
    }

    /** Waits until a client hung up on a trickled answer; false if none did within the time. */
    boolean awaitHangUp(long millis) throws InterruptedException {
        return hungUp.await(millis, TimeUnit.MILLISECONDS);
    }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket s = socket.accept();
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            readRequest(in);
            requests.incrementAndGet();
            for (byte b : answer) {
                out.write(b);
                out.flush();
                Thread.sleep(gapMillis);
            }
        } catch (IOException e) {
            // the client closed the connection (or reset it) on a partial answer
            hungUp.countDown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The request's head and its Content-Length body. */
    private static void readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            head.write(c);
            byte[] h = head.toByteArray();
            int n = h.length;
            if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                break;
            }
        }
        int length = 0;
        for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring("content-length:".length()).strip());
            }
        }
        in.readNBytes(length);
    }

    @Override
    public void close() throws IOException {
        socket.close();
        acceptor.interrupt();
    }
}
