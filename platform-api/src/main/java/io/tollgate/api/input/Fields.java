package io.tollgate.api.input;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.api.http.ApiException;
import io.tollgate.api.http.Problem.FieldError;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads one JSON object of a request body field by field, collecting every problem (unknown fields included) with
 * its dotted path, so a client gets all its mistakes in one 400. Values are never echoed in messages.
 */
public final class Fields {
    private final ObjectNode node;
    private final String prefix;
    private final List<FieldError> errors;

    private Fields(ObjectNode node, String prefix, List<FieldError> errors, Set<String> allowed) {
        this.node = node;
        this.prefix = prefix;
        this.errors = errors;
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!allowed.contains(name)) {
                errors.add(new FieldError(path(name), "unknown field"));
            }
        }
    }

    /** The top-level object of a body; a body that is not an object is reported as field {@code (body)}. */
    public static Fields root(JsonNode body, Set<String> allowed, List<FieldError> errors) {
        if (body instanceof ObjectNode o) {
            return new Fields(o, "", errors, allowed);
        }
        errors.add(new FieldError("(body)", "must be a JSON object"));
        return new Fields(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode(), "", errors,
                          allowed);
    }

    public String path(String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }

    public boolean has(String name) {
        return node.has(name);
    }

    /** Present and explicitly {@code null} (PATCH: clear the value). */
    public boolean isNull(String name) {
        return node.has(name) && node.get(name).isNull();
    }

    public void error(String name, String message) {
        errors.add(new FieldError(path(name), message));
    }

    public Optional<Fields> object(String name, boolean required, Set<String> allowed) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            if (required) {
                error(name, "is required");
            }
            return Optional.empty();
        }
        if (!(v instanceof ObjectNode o)) {
            error(name, "must be an object");
            return Optional.empty();
        }
        return Optional.of(new Fields(o, path(name), errors, allowed));
    }

    /** A string, trimmed, that must match {@code pattern} (with {@code hint} as the message when it does not). */
    public Optional<String> string(String name, boolean required, int maxLength, Pattern pattern, String hint) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            if (required) {
                error(name, "is required");
            }
            return Optional.empty();
        }
        if (!v.isTextual()) {
            error(name, "must be a string");
            return Optional.empty();
        }
        String s = v.asText().strip();
        if (s.isEmpty()) {
            error(name, "must not be empty");
            return Optional.empty();
        }
        if (s.length() > maxLength) {
            error(name, "must be at most " + maxLength + " characters");
            return Optional.empty();
        }
        if (pattern != null && !pattern.matcher(s).matches()) {
            error(name, hint);
            return Optional.empty();
        }
        return Optional.of(s);
    }

    public Optional<String> string(String name, boolean required, int maxLength) {
        return string(name, required, maxLength, null, null);
    }

    public Optional<Integer> integer(String name, boolean required, long min, long max) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            if (required) {
                error(name, "is required");
            }
            return Optional.empty();
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            error(name, "must be a whole number");
            return Optional.empty();
        }
        long n = v.asLong();
        if (n < min || n > max) {
            error(name, "must be between " + min + " and " + max);
            return Optional.empty();
        }
        return Optional.of((int) n);
    }

    public Optional<Boolean> bool(String name, boolean required) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            if (required) {
                error(name, "is required");
            }
            return Optional.empty();
        }
        if (!v.isBoolean()) {
            error(name, "must be true or false");
            return Optional.empty();
        }
        return Optional.of(v.booleanValue());
    }

    /** A value checked by {@code parse}, which returns an error message or the parsed value. */
    public <T> Optional<T> parsed(String name, boolean required, int maxLength, Function<String, Parsed<T>> parse) {
        return string(name, required, maxLength).flatMap(s -> {
            Parsed<T> p = parse.apply(s);
            if (p.error() != null) {
                error(name, p.error());
                return Optional.empty();
            }
            return Optional.of(p.value());
        });
    }

    public record Parsed<T>(T value, String error) {
        public static <T> Parsed<T> ok(T value) {
            return new Parsed<>(value, null);
        }

        public static <T> Parsed<T> fail(String error) {
            return new Parsed<>(null, error);
        }
    }

    /** Throws a 400 with every collected problem, if there is any. */
    public static void throwIfAny(List<FieldError> errors) {
        if (!errors.isEmpty()) {
            throw new ApiException.BadRequest("invalid-request", errors.size() == 1
                    ? "The request has an invalid field: " + errors.getFirst().field() + "."
                    : "The request has " + errors.size() + " invalid fields.", new ArrayList<>(errors));
        }
    }
}
