package io.tollgate.api.http;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Serves the OpenAPI document kept in the repository ({@code openapi.yaml}) at {@code /openapi}. */
public final class OpenApiService implements HttpService {
    public static final String RESOURCE = "openapi.yaml";
    private final byte[] document;

    public OpenApiService() {
        try (InputStream in = OpenApiService.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            this.document = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::serve);
    }

    private void serve(ServerRequest req, ServerResponse res) {
        res.headers().contentType(MediaTypes.APPLICATION_YAML);
        res.header(HeaderNames.CACHE_CONTROL, "public, max-age=300");
        res.send(document);
    }
}
