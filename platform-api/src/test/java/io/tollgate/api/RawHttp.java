package io.tollgate.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * A raw-socket HTTP/1.1 client for requests no well-behaved client would send: broken framing, half requests,
 * stalls. It reads one answer (status line, headers, a Content-Length or chunked body) or notices the close.
 */
public final class RawHttp {
    private RawHttp() {
    }

    /**
     * What came back on one connection.
     *
     * @param status  the answer's status code, or -1 when the server closed without answering
     * @param raw     everything read (status line, headers and body), as ISO-8859-1 text
     * @param closed  whether the server closed the connection (after or instead of an answer)
     * @param timedOut whether the client gave up waiting (the server neither answered nor closed in time)
     * @param elapsed time from the last byte sent until the answer or the close
     */
    public record Answer(int status, String raw, boolean closed, boolean timedOut, Duration elapsed) {
        public String body() {
            int at = raw.indexOf("\r\n\r\n");
            return at < 0 ? "" : raw.substring(at + 4);
        }

        public String header(String name) {
            for (String line : raw.split("\r\n")) {
                if (line.isEmpty()) {
                    break;
                }
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    /** Sends {@code request}, optionally half-closes, then waits up to {@code wait} for an answer or the close. */
    public static Answer exchange(int port, byte[] request, boolean halfClose, Duration wait) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout((int) wait.toMillis());
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                out.flush();
                if (halfClose) {
                    s.shutdownOutput();
                }
            } catch (SocketException e) {
                // the server may answer and close before it has read everything we send
            }
            return read(s.getInputStream(), System.nanoTime());
        } catch (IOException e) {
            throw new IllegalStateException("could not talk to 127.0.0.1:" + port, e);
        }
    }

    /** Reads one answer, or the close, from {@code in}. */
    public static Answer read(InputStream in, long sentAt) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try {
            String head = readHead(in, got);
            int status = head == null ? -1 : status(head);
            while (status >= 100 && status < 200) {
                // an interim answer (100 Continue): the final one follows
                got.reset();
                head = readHead(in, got);
                status = head == null ? -1 : status(head);
            }
            if (head == null) {
                return new Answer(-1, got.toString(StandardCharsets.ISO_8859_1), true, false, since(sentAt));
            }
            String lower = head.toLowerCase(Locale.ROOT);
            long length = contentLength(lower);
            if (length > 0) {
                got.write(in.readNBytes((int) Math.min(length, 1 << 20)));
            } else if (lower.contains("\r\ntransfer-encoding: chunked")) {
                readChunked(in, got);
            }
            boolean closed = lower.contains("\r\nconnection: close");
            return new Answer(status, got.toString(StandardCharsets.ISO_8859_1), closed, false, since(sentAt));
        } catch (SocketTimeoutException e) {
            return new Answer(-1, got.toString(StandardCharsets.ISO_8859_1), false, true, since(sentAt));
        } catch (SocketException e) {
            // reset by the server: closed
            return new Answer(-1, got.toString(StandardCharsets.ISO_8859_1), true, false, since(sentAt));
        }
    }

    private static Duration since(long t0) {
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    private static String readHead(InputStream in, ByteArrayOutputStream got) throws IOException {
        int state = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                return got.size() == 0 ? null : got.toString(StandardCharsets.ISO_8859_1);
            }
            got.write(b);
            state = switch (state) {
                case 0, 2 -> b == '\r' ? state + 1 : 0;
                case 1 -> b == '\n' ? 2 : 0;
                case 3 -> b == '\n' ? 4 : 0;
                default -> 0;
            };
            if (state == 4) {
                return got.toString(StandardCharsets.ISO_8859_1);
            }
        }
    }

    private static int status(String head) {
        String[] parts = head.split(" ", 3);
        try {
            return parts.length >= 2 && parts[0].startsWith("HTTP/") ? Integer.parseInt(parts[1].trim()) : -2;
        } catch (NumberFormatException e) {
            return -2;
        }
    }

    private static long contentLength(String lowerHead) {
        int at = lowerHead.indexOf("\r\ncontent-length:");
        if (at < 0) {
            return -1;
        }
        int end = lowerHead.indexOf("\r\n", at + 2);
        return Long.parseLong(lowerHead.substring(at + "\r\ncontent-length:".length(), end).trim());
    }

    private static void readChunked(InputStream in, ByteArrayOutputStream got) throws IOException {
        while (true) {
            StringBuilder line = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                got.write(b);
                line.append((char) b);
            }
            if (b < 0) {
                return;
            }
            got.write(b);
            int size = Integer.parseInt(line.toString().trim().split(";")[0], 16);
            got.write(in.readNBytes(size + 2));
            if (size == 0) {
                return;
            }
        }
    }

    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
