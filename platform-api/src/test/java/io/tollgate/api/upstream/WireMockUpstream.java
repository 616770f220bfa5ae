package io.tollgate.api.upstream;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.tollgate.api.LogCapture;
import io.tollgate.api.observe.ProcessMeters;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.net.URI;
import java.util.Map;
import java.util.function.Supplier;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;

/**
 * The harness of an upstream client's test: WireMock on a local port for the class, reset before each test, and the
 * upstream metrics on the process's one meter registry ({@link ProcessMeters}) with each counter's value at the start
 * of the test, so {@link #moved} says what this test counted. Register it as a static {@code @RegisterExtension}
 * field.
 */
public final class WireMockUpstream implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
    private final String upstream;
    private final UpstreamMetrics metrics = new UpstreamMetrics(ProcessMeters.registry());
    private WireMockServer server;
    private URI base;
    private Map<String, Long> before = Map.of();

    /** {@code upstream} is the label {@link #moved} reads: {@code gorgias}, {@code shopify} or {@code llm}. */
    public WireMockUpstream(String upstream) {
        this.upstream = upstream;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        server = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        server.start();
        base = URI.create("http://localhost:" + server.port());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        server.stop();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        server.resetAll();
        before = UpstreamTesting.counts(ProcessMeters.registry());
    }

    public WireMockServer server() {
        return server;
    }

    /** Where the server listens: a tenant's base URL. */
    public URI base() {
        return base;
    }

    public UpstreamMetrics metrics() {
        return metrics;
    }

    /** {@code path} answers POSTs with a 401: JSON {@code body} and upstream request id {@code requestId}. */
    public void unauthorized(String path, String requestId, String body) {
        server.stubFor(post(urlEqualTo(path)).willReturn(aResponse().withStatus(401)
                .withHeader("X-Request-Id", requestId)
                .withHeader("Content-Type", "application/json")
                .withBody(body)));
    }

    /** What one call gave, and what the client side logged meanwhile (the loggers of {@code CLIENT_LOGGERS}). */
    public record Logged<T>(UpstreamResult<T> result, String logs) {
    }

    public static <T> Logged<T> logged(Supplier<UpstreamResult<T>> call) {
        try (LogCapture capture = LogCapture.start()) {
            UpstreamResult<T> result = call.get();
            return new Logged<>(result, capture.from(UpstreamTesting.CLIENT_LOGGERS));
        }
    }

    /** How far this upstream's counter of {@code status} moved since the test began. */
    public long moved(String status) {
        return UpstreamTesting.moved(ProcessMeters.registry(), before, upstream, status);
    }
}
