package io.tollgate.api.config;

/** A setting is missing or invalid. The message names the setting and never repeats its value. */
public final class ConfigException extends RuntimeException {
    private final String key;

    public ConfigException(String key, String problem) {
        super(key + ": " + problem);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
