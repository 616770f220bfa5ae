package io.tollgate.api.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.util.Optional;

/**
 * A streaming pass over the body: is it one well-formed JSON object, and which Gorgias context it carries
 * ({@code ticket} or {@code message} at the top level, else a bare ticket). No tree is built.
 */
final class JsonCheck {
    private static final JsonFactory FACTORY = new JsonFactory();

    record Result(boolean valid, Optional<String> gorgiasTopic, String problem) {
    }

    static Result check(byte[] body) {
        try (JsonParser p = FACTORY.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return new Result(false, Optional.empty(), "the body is not a JSON object");
            }
            Optional<String> topic = Optional.empty();
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_OBJECT) {
                if (t == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    if (topic.isEmpty() && ("ticket".equals(name) || "message".equals(name))) {
                        topic = Optional.of(name);
                    }
                    p.nextToken();
                    p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                return new Result(false, Optional.empty(), "content after the JSON object");
            }
            return new Result(true, topic.or(() -> Optional.of("ticket")), null);
        } catch (IOException e) {
            return new Result(false, Optional.empty(), "not valid JSON at line " + (e instanceof
                    com.fasterxml.jackson.core.JsonProcessingException jp && jp.getLocation() != null
                    ? jp.getLocation().getLineNr() + ", column " + jp.getLocation().getColumnNr() : "?"));
        }
    }
}
