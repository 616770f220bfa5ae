package io.tollgate.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.webserver.http.ServerRequest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Reading request bodies with a hard cap, before anything is parsed. */
public final class Bodies {
    /** Admin bodies are small; anything bigger is refused without reading further. */
    public static final int ADMIN_MAX_BYTES = 64 * 1024;

    private Bodies() {
    }

    /**
     * Reads at most {@code max} bytes; a declared or actual larger body is a 413, a body that cannot be read (broken
     * framing, cut short, stalled past the read timeout) an {@link ApiException#closesConnection() answer that closes
     * the connection}.
     */
    public static byte[] read(ServerRequest req, int max) {
        long declared = req.headers().contentLength().orElse(-1L);
        if (declared > max) {
            throw new ApiException.PayloadTooLarge("The body (" + declared + " bytes) is larger than the limit of "
                                                   + max + " bytes.");
        }
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
