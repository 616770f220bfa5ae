package io.tollgate.api.upstream;

import java.net.URI;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One HTTP call to an upstream. {@code headers} may hold credentials: this record never prints them.
 *
 * @param method  GET, POST, PUT or DELETE
 * @param uri     the absolute URI
 * @param headers request headers besides Content-Type (credentials included)
 * @param body    a JSON body, if any
 */
public record UpstreamRequest(String method, URI uri, Map<String, String> headers, Optional<byte[]> body) {
    public UpstreamRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(uri, "uri");
        headers = Map.copyOf(headers);
        Objects.requireNonNull(body, "body");
    }

    public static UpstreamRequest get(URI uri, Map<String, String> headers) {
        return new UpstreamRequest("GET", uri, headers, Optional.empty());
    }

    public static UpstreamRequest postJson(URI uri, Map<String, String> headers, byte[] body) {
        return new UpstreamRequest("POST", uri, headers, Optional.of(body));
    }

    public static UpstreamRequest putJson(URI uri, Map<String, String> headers, byte[] body) {
        return new UpstreamRequest("PUT", uri, headers, Optional.of(body));
    }

    public static UpstreamRequest delete(URI uri, Map<String, String> headers) {
        return new UpstreamRequest("DELETE", uri, headers, Optional.empty());
    }

    @Override
    public String toString() {
        return method + " " + uri;
    }
}
