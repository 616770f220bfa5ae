package io.tollgate.tenant;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A tenant's public name, in its webhook URLs and admin paths: 3-63 lowercase letters, digits or hyphens, not
 * starting or ending with a hyphen. Whether a slug is free to take (not reserved, not in use) is decided elsewhere.
 */
public record Slug(String value) {
    /** The rule every slug follows. */
    public static final Pattern PATTERN = Pattern.compile("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$");

    public Slug {
        Objects.requireNonNull(value, "value");
        if (!PATTERN.matcher(value).matches()) {
            throw new IllegalArgumentException("not a slug: " + value);
        }
    }

    /** {@code text} as a slug, or empty when it does not follow the rule (null included). */
    public static Optional<Slug> parse(String text) {
        return text != null && PATTERN.matcher(text).matches() ? Optional.of(new Slug(text)) : Optional.empty();
    }

    @Override
    public String toString() {
        return value;
    }
}
