package io.tollgate.api.input;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.webserver.http.ServerRequest;
import io.tollgate.api.http.ApiException;
import io.tollgate.api.http.ClientFaults;
import io.tollgate.api.net.BufferBudget;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Reading request bodies with a hard cap, before anything is parsed. */
public final class Bodies {
    /** Admin bodies are small; anything bigger is refused without reading further. */
    public static final int ADMIN_MAX_BYTES = StrictJson.MAX_DOCUMENT_BYTES;

    private Bodies() {
    }

    /**
     * The request's declared {@code Content-Length} (-1 when it declares none, e.g. chunked), refused with 413 when it
     * is over {@code max}: decided before anything of the body is read.
     */
    public static long declaredWithin(ServerRequest req, int max) {
        long declared = req.headers().contentLength().orElse(-1L);
        if (declared > max) {
            throw new ApiException.PayloadTooLarge("The body (" + declared + " bytes) is larger than the limit of "
                                                   + max + " bytes.");
        }
        return declared;
    }

    /**
     * Reads at most {@code max} bytes; a declared or actual larger body is a 413, a body that cannot be read (broken
     * framing, cut short, stalled past the read timeout) an {@link ApiException#closesConnection() answer that closes
     * the connection}.
     */
    public static byte[] read(ServerRequest req, int max) {
        declaredWithin(req, max);
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        byte[] body;
        try (InputStream in = req.content().inputStream()) {
            body = in.readNBytes(max + 1);
        } catch (IOException | RuntimeException e) {
            // broken framing, a body cut short, a dropped or stalled connection: the client's doing, never a 500
            throw ClientFaults.reading(e);
        }
        if (body.length > max) {
            throw new ApiException.PayloadTooLarge("The body is larger than the limit of " + max + " bytes.");
        }
        return body;
    }

    /** A chunked body's first buffer; it doubles as it fills. */
    static final int CHUNKED_STEP = 16 * 1024;

    /**
     * As {@link #read(ServerRequest, int)}, with the body's bytes reserved in {@code lease} before they are read: a
     * declared {@code Content-Length} at once, in full, into an array of exactly that size; a chunked body
     * as its bytes arrive (its buffer doubles from {@value #CHUNKED_STEP} bytes, never past {@code max + 1}).
     *
     * @throws BufferBudget.Refused when the budget has no room (nothing more of the body is read)
     */
    public static byte[] read(ServerRequest req, int max, BufferBudget.Lease lease) {
        long declared = declaredWithin(req, max);
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        if (declared >= 0) {
            // reserved before the stream is opened: a refusal reads nothing of the body
            lease.reserve(declared);
        }
        // not closed here: closing an unfinished stream reads on, and a refused body must not be read at all (the
        // web server drains what is left of a body it may keep the connection for)
        InputStream in = req.content().inputStream();
        try {
            if (declared >= 0) {
                byte[] body = new byte[(int) declared];
                int n = in.readNBytes(body, 0, body.length);
                return n == body.length ? body : java.util.Arrays.copyOf(body, n);
            }
            // chunked: the buffer doubles (from CHUNKED_STEP, up to max + 1) as bytes fill it, each growth reserved
            byte[] body = new byte[0];
            int size = 0;
            while (true) {
                if (size == body.length) {
                    if (body.length > max) {
                        break;
                    }
                    int next = (int) Math.min((long) max + 1, Math.max(CHUNKED_STEP, body.length * 2L));
                    lease.reserve(next - body.length);
                    body = java.util.Arrays.copyOf(body, next);
                }
                int n = in.read(body, size, body.length - size);
                if (n < 0) {
                    break;
                }
                size += n;
            }
            if (size > max) {
                throw new ApiException.PayloadTooLarge("The body is larger than the limit of " + max + " bytes.");
            }
            return size == body.length ? body : java.util.Arrays.copyOf(body, size);
        } catch (BufferBudget.Refused | ApiException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // broken framing, a body cut short, a dropped or stalled connection: the client's doing, never a 500
            throw ClientFaults.reading(e);
        }
    }

    /**
     * Reads the body through and drops it, holding nothing but a small buffer: for a request already known to be
     * refused, whose framing still decides its answer (a broken one is a 400, a stalled one a 408, one over
     * {@code max} a 413) before the refusal's.
     */
    public static void discard(ServerRequest req, int max) {
        if (!req.content().hasEntity()) {
            return;
        }
        InputStream in = req.content().inputStream();
        byte[] buffer = new byte[8192];
        long total = 0;
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                total += n;
                if (total > max) {
                    throw new ApiException.PayloadTooLarge("The body is larger than the limit of " + max + " bytes.");
                }
            }
        } catch (ApiException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw ClientFaults.reading(e);
        }
    }

    /** An optional admin JSON body: empty when the request has none (zero bytes), else as {@link #json}. */
    public static java.util.Optional<JsonNode> optionalJson(ServerRequest req) {
        byte[] body = read(req, ADMIN_MAX_BYTES);
        return body.length == 0 ? java.util.Optional.empty() : java.util.Optional.of(StrictJson.parse(body));
    }

    /**
     * An admin JSON body. An empty, malformed, too deeply nested or trailing body is a 400 naming {@code (body)};
     * text that cannot be stored, a duplicate key or an overlong number is a 400 naming the field (see
     * {@link StrictJson}).
     */
    public static JsonNode json(ServerRequest req) {
        byte[] body = read(req, ADMIN_MAX_BYTES);
        if (body.length == 0) {
            throw StrictJson.required();
        }
        // The body is parsed as JSON whatever the Content-Type says (curl -d sends a form type by default).
        return StrictJson.parse(body);
    }
}
