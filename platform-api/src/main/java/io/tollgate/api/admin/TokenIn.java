package io.tollgate.api.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.access.Scope;
import io.tollgate.api.http.Problem.FieldError;
import io.tollgate.api.input.Fields;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A valid token creation: {@code {"name", "scopes": [...], "expires_at"? | "ttl_seconds"?}}. Whether the creator may
 * grant it is the handler's to check.
 *
 * @param expiresAt empty: the token does not expire
 */
record TokenIn(String name, Set<Scope> scopes, Optional<Instant> expiresAt) {
    private static final Set<String> FIELDS = Set.of("name", "scopes", "expires_at", "ttl_seconds");
    /** The longest a token may be made to last when it expires at all. */
    static final Duration MAX_TTL = Duration.ofDays(3_650);
    static final int MIN_TTL_SECONDS = 60;

    TokenIn {
        // in the enum's order, so a refusal names the first scope the creator lacks, as it always has
        scopes = Collections.unmodifiableSet(scopes.isEmpty() ? EnumSet.noneOf(Scope.class) : EnumSet.copyOf(scopes));
    }

    /** The body read and checked, or a 400 listing every invalid field. */
    static TokenIn read(JsonNode body) {
        List<FieldError> errors = new ArrayList<>();
        Fields f = Fields.root(body, FIELDS, errors);
        Optional<String> name = f.string("name", true, 100);
        Set<Scope> scopes = scopes(body.get("scopes"), f, errors);
        Optional<Instant> expiresAt = expiry(f);
        Fields.throwIfAny(errors);
        return new TokenIn(name.orElseThrow(), scopes, expiresAt);
    }

    private static Set<Scope> scopes(JsonNode list, Fields f, List<FieldError> errors) {
        Set<Scope> out = EnumSet.noneOf(Scope.class);
        String hint = "must be a non-empty list of \"read\", \"operate\", \"payloads\" and \"tokens\"";
        if (list == null || list.isNull()) {
            f.error("scopes", "is required: " + hint.substring("must be ".length()));
        } else if (!list.isArray() || list.isEmpty()) {
            f.error("scopes", hint);
        } else {
            for (int i = 0; i < list.size(); i++) {
                JsonNode s = list.get(i);
                Optional<Scope> scope = s.isTextual() ? Scope.fromWire(s.textValue()) : Optional.empty();
                if (scope.isEmpty()) {
                    errors.add(new FieldError("scopes[" + i + "]", "must be \"read\", \"operate\", \"payloads\" or"
                            + " \"tokens\""));
                } else if (!out.add(scope.get())) {
                    errors.add(new FieldError("scopes[" + i + "]", "is listed twice"));
                }
            }
        }
        return out;
    }

    /** {@code expires_at} (RFC 3339, in the future) or {@code ttl_seconds}; neither: the token does not expire. */
    private static Optional<Instant> expiry(Fields f) {
        Instant now = Instant.now();
        if (f.has("expires_at") && f.has("ttl_seconds")) {
            f.error("ttl_seconds", "give expires_at or ttl_seconds, not both");
            return Optional.empty();
        }
        Optional<Integer> ttl = f.integer("ttl_seconds", false, MIN_TTL_SECONDS, MAX_TTL.toSeconds());
        if (ttl.isPresent()) {
            return Optional.of(now.plusSeconds(ttl.get()));
        }
        return f.parsed("expires_at", false, 40, s -> {
            Instant at;
            try {
                at = OffsetDateTime.parse(s).toInstant();
            } catch (DateTimeParseException e) {
                return Fields.Parsed.fail("must be an RFC 3339 timestamp such as 2030-01-31T00:00:00Z");
            }
            if (!at.isAfter(now)) {
                return Fields.Parsed.fail("must be in the future");
            }
            if (at.isAfter(now.plus(MAX_TTL))) {
                return Fields.Parsed.fail("must be within " + MAX_TTL.toDays() + " days");
            }
            return Fields.Parsed.ok(at);
        });
    }
}
