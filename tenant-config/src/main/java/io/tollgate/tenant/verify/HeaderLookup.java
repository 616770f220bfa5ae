package io.tollgate.tenant.verify;

import java.util.Optional;

/** Case-insensitive access to a delivery's headers, without depending on a web server. */
@FunctionalInterface
public interface HeaderLookup {
    Optional<String> first(String name);
}
