package io.tollgate.api.http;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;
import java.util.Optional;

/**
 * An enum whose wire name (in JSON, and in its database column) is its constant's name in lower case: {@code DEAD}
 * is {@code "dead"}. Each such enum offers its own {@code fromWire(String)} through {@link #fromWire(Class, String)}.
 */
public interface WireName {
    /** The enum constant's name; every enum has it. */
    String name();

    @JsonValue
    default String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The value as an SQL string literal, for statements that must name a status literally (a partial index only
     * matches a literal; a parameter would hide it from the planner). Never built from client text.
     */
    default String sql() {
        return "'" + wire() + "'";
    }

    /** The constant of {@code type} whose wire name is exactly {@code value}; empty for anything else. */
    static <E extends Enum<E> & WireName> Optional<E> fromWire(Class<E> type, String value) {
        for (E e : type.getEnumConstants()) {
            if (e.wire().equals(value)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }
}
