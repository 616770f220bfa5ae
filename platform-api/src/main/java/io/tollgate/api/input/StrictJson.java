package io.tollgate.api.input;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.api.http.ApiException;
import io.tollgate.api.http.Problem.FieldError;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses a request body into a JSON tree, refusing in one place, with the path of the field at fault, everything a
 * handler should never see: text that cannot be stored ({@link StorableText}), duplicate keys, nesting deeper than
 * any request needs, numbers longer than any limit, and content after the JSON value. Values are never echoed.
 */
final class StrictJson {
    /** The largest JSON document read: an admin body (bigger ones are refused unread by the body reader). */
    static final int MAX_DOCUMENT_BYTES = 64 * 1024;
    /** Admin bodies nest two levels deep; this leaves room without letting a body exhaust anything. */
    static final int MAX_DEPTH = 16;
    /** Digits in a number: more than any limit can hold. */
    static final int MAX_NUMBER_LENGTH = 100;
    /** So that a body full of bad strings is not answered with thousands of entries. */
    static final int MAX_ERRORS = 20;
    static final String BODY = "(body)";

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                                           .maxNestingDepth(MAX_DEPTH * 2)
                                           .maxNumberLength(MAX_NUMBER_LENGTH)
                                           // never reached within MAX_DOCUMENT_BYTES: a long key is an unknown
                                           // field, a long string fails its field's length check
                                           .maxNameLength(MAX_DOCUMENT_BYTES)
                                           .maxStringLength(MAX_DOCUMENT_BYTES)
                                           .build())
            .build();

    private final JsonParser parser;
    private final List<FieldError> errors = new ArrayList<>();
    private int more;

    private StrictJson(JsonParser parser) {
        this.parser = parser;
    }

    /** The tree of {@code body}, or a 400 naming {@code (body)} or every field at fault. */
    static JsonNode parse(byte[] body) {
        try (JsonParser p = FACTORY.createParser(body)) {
            StrictJson reader = new StrictJson(p);
            JsonToken first = reader.next("");
            if (first == null) {
                throw required();
            }
            JsonNode root = reader.value(first, "", 0);
            if (reader.next("") != null) {
                throw invalid("The body has content after its JSON value.", "has content after the JSON value");
            }
            if (!reader.errors.isEmpty()) {
                List<FieldError> all = new ArrayList<>(reader.errors);
                throw new ApiException.BadRequest("invalid-request", all.size() == 1
                        ? "The request has an invalid field: " + all.getFirst().field() + "."
                        : "The request has " + (all.size() + reader.more) + " invalid fields"
                        + (reader.more > 0 ? " (the first " + all.size() + " are listed)." : "."), all);
            }
            return root;
        } catch (IOException e) {
            // only parse errors can happen reading a byte array; the parser closes without I/O
            throw invalid("The body is not valid JSON.", "is not valid JSON");
        }
    }

    static ApiException required() {
        return new ApiException.BadRequest("invalid-json", "The request needs a JSON body.",
                                           List.of(new FieldError(BODY, "is required")));
    }

    private static ApiException invalid(String detail, String message) {
        return new ApiException.BadRequest("invalid-json", detail, List.of(new FieldError(BODY, message)));
    }

    /**
     * The next token, where {@code path} names the value (or key) being read: the parser checks a number's length
     * while reading it, and says nothing of where; a malformed document is reported for the whole body.
     */
    private JsonToken next(String path) {
        try {
            return parser.nextToken();
        } catch (StreamConstraintsException e) {
            // the only limit a body within MAX_DOCUMENT_BYTES can reach; the parser reads a value together with its
            // key, so where it stopped is asked of the parser, not taken from the caller
            String field = where();
            throw new ApiException.BadRequest("invalid-request", "The request has an invalid field: " + field + ".",
                                              List.of(new FieldError(field, "is a number longer than "
                                                      + MAX_NUMBER_LENGTH + " digits")));
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw invalid(at == null || at.getLineNr() < 1 ? "The body is not valid JSON."
                                  : "The body is not valid JSON (line " + at.getLineNr() + ", column "
                                  + at.getColumnNr() + ").", "is not valid JSON");
        } catch (IOException e) {
            throw invalid("The body is not valid JSON.", "is not valid JSON");
        }
    }

    /** The path of the value the parser is at, from its own context. */
    private String where() {
        List<String> parts = new ArrayList<>();
        for (JsonStreamContext c = parser.getParsingContext(); c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                parts.addFirst("[" + Math.max(0, c.getCurrentIndex()) + "]");
            } else if (c.getCurrentName() != null) {
                parts.addFirst("." + StorableText.escape(c.getCurrentName()));
            }
        }
        String path = String.join("", parts);
        return path.isEmpty() ? BODY : path.startsWith(".") ? path.substring(1) : BODY + path;
    }

    private JsonNode value(JsonToken t, String path, int depth) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        switch (t) {
            case START_OBJECT -> {
                nested(depth);
                ObjectNode o = nodes.objectNode();
                for (JsonToken k = next(path); k != JsonToken.END_OBJECT; k = next(path)) {
                    String key = text();
                    String child = child(path, StorableText.escape(key));
                    StorableText.problem(key).ifPresent(m -> error(child, "(the key) " + m));
                    if (o.has(key)) {
                        error(child, "is given more than once");
                    }
                    o.set(key, value(next(child), child, depth + 1));
                }
                return o;
            }
            case START_ARRAY -> {
                nested(depth);
                ArrayNode a = nodes.arrayNode();
                int i = 0;
                for (JsonToken v = next(element(path, i)); v != JsonToken.END_ARRAY; v = next(element(path, i))) {
                    a.add(value(v, element(path, i), depth + 1));
                    i++;
                }
                return a;
            }
            case VALUE_STRING -> {
                String s = text();
                StorableText.problem(s).ifPresent(m -> error(path, m));
                return nodes.textNode(s);
            }
            case VALUE_NUMBER_INT -> {
                return number(path, true);
            }
            case VALUE_NUMBER_FLOAT -> {
                return number(path, false);
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return nodes.booleanNode(t == JsonToken.VALUE_TRUE);
            }
            case VALUE_NULL -> {
                return nodes.nullNode();
            }
            default -> throw invalid("The body is not valid JSON.", "is not valid JSON");
        }
    }

    private JsonNode number(String path, boolean integral) {
        try {
            if (!integral) {
                // no field takes a fraction; kept as a double (1e400 is infinite) only to be refused by its reader
                return JsonNodeFactory.instance.numberNode(parser.getDoubleValue());
            }
            return switch (parser.getNumberType()) {
                case INT -> JsonNodeFactory.instance.numberNode(parser.getIntValue());
                case LONG -> JsonNodeFactory.instance.numberNode(parser.getLongValue());
                default -> JsonNodeFactory.instance.numberNode(parser.getBigIntegerValue());
            };
        } catch (IOException | NumberFormatException e) {
            error(path, "is not a number that can be read");
            return JsonNodeFactory.instance.nullNode();
        }
    }

    private String text() {
        try {
            return parser.getText();
        } catch (IOException e) {
            throw invalid("The body is not valid JSON.", "is not valid JSON");
        }
    }

    private static void nested(int depth) {
        if (depth >= MAX_DEPTH) {
            throw invalid("The body is nested more than " + MAX_DEPTH + " levels deep.",
                          "is nested more than " + MAX_DEPTH + " levels deep");
        }
    }

    private void error(String path, String message) {
        if (errors.size() < MAX_ERRORS) {
            errors.add(new FieldError(name(path), message));
        } else {
            more++;
        }
    }

    private static String child(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static String element(String path, int i) {
        return (path.isEmpty() ? BODY : path) + "[" + i + "]";
    }

    private static String name(String path) {
        return path.isEmpty() ? BODY : path;
    }
}
