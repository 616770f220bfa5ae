package io.tollgate.api.config;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

import java.util.Map;
import java.util.Optional;

/**
 * Raw settings by their environment-variable name. The environment wins; defaults come from
 * {@code application.yaml}, where {@code TOLLGATE_DB_POOL_SIZE} is the key {@code tollgate.db.pool.size}.
 */
final class Settings {
    private final Map<String, String> env;
    private final Config defaults;

    Settings(Map<String, String> env) {
        this.env = env;
        this.defaults = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(ConfigSources.classpath("application.yaml"))
                .build();
    }

    Optional<String> optional(String name) {
        String v = env.get(name);
        if (v != null && !v.isBlank()) {
            return Optional.of(v.strip());
        }
        return defaults.get(name.toLowerCase(java.util.Locale.ROOT).replace('_', '.')).asString().asOptional()
                .filter(s -> !s.isBlank());
    }

    String string(String name) {
        return optional(name).orElseThrow(() -> new ConfigException(name, "is required"));
    }

    int integer(String name, int min, int max) {
        String v = string(name);
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new ConfigException(name, "must be a whole number");
        }
        if (n < min || n > max) {
            throw new ConfigException(name, "must be between " + min + " and " + max);
        }
        return n;
    }

    boolean bool(String name) {
        String v = string(name).toLowerCase(java.util.Locale.ROOT);
        return switch (v) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw new ConfigException(name, "must be true or false");
        };
    }
}
