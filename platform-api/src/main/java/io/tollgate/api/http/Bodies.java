package io.tollgate.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.webserver.http.ServerRequest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

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

    /** An admin JSON body; an empty or malformed body is a 400 naming {@code (body)}. */
    public static JsonNode json(ServerRequest req) {
        byte[] body = read(req, ADMIN_MAX_BYTES);
        if (body.length == 0) {
            throw new ApiException.BadRequest("invalid-json", "The request needs a JSON body.",
                                              List.of(new Problem.FieldError("(body)", "is required")));
        }
        // The body is parsed as JSON whatever the Content-Type says (curl -d sends a form type by default).
        try {
            return Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ApiException.BadRequest("invalid-json", "The body is not valid JSON (line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ").",
                                              List.of(new Problem.FieldError("(body)", "is not valid JSON")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
