package io.tollgate.api.consoleui;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Serves the console's files, read from the classpath ({@code console/}) once at construction. Each asset is served
 * under a name holding a hash of its content ({@code /console/assets/app-1a2b3c4d5e6f.js}), cached for a year as
 * immutable; {@code index.html}, which names them, is never cached, so a new release is picked up on the next load.
 * Every answer carries a Content-Security-Policy that allows no inline script or style and nothing from another
 * origin, and refuses framing.
 */
public final class ConsoleUiService implements HttpService {
    /** The policy of every console answer: the console's own files and same-origin API calls, nothing else. */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
    static final String IMMUTABLE = "public, max-age=31536000, immutable";
    static final String NO_CACHE = "no-cache";
    private static final String ROOT = "console/";
    /** The asset files, by the name index.html refers to them with ({@code app.js}). */
    private static final List<String> ASSETS = List.of("app.js", "app.css");

    private record Asset(String contentType, byte[] body) {
    }

    private final byte[] index;
    /** Fingerprinted name ({@code app-<hash>.js}) to the file. */
    private final Map<String, Asset> assets = new LinkedHashMap<>();

    public ConsoleUiService() {
        String html = new String(read("index.html"), StandardCharsets.UTF_8);
        for (String name : ASSETS) {
            byte[] body = read(name);
            int dot = name.lastIndexOf('.');
            String fingerprinted = name.substring(0, dot) + "-" + hash(body) + name.substring(dot);
            assets.put(fingerprinted, new Asset(contentType(name), body));
            String reference = "\"assets/" + name + "\"";
            if (!html.contains(reference)) {
                throw new IllegalStateException("console/index.html does not refer to " + reference);
            }
            html = html.replace(reference, "\"assets/" + fingerprinted + "\"");
        }
        this.index = html.getBytes(StandardCharsets.UTF_8);
    }

    /** The fingerprinted names of the assets ({@code app-<hash>.js}), as index.html refers to them. */
    public List<String> assetNames() {
        return List.copyOf(assets.keySet());
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::index)
                .get("/index.html", this::index)
                .get("/assets/{name}", this::asset)
                .any(this::notFound);
    }

    private void index(ServerRequest req, ServerResponse res) {
        secure(res);
        if (!req.prologue().uriPath().path().endsWith("/") && !req.path().path().endsWith("index.html")) {
            // /console: the page's relative asset names need the trailing slash
            res.header(HeaderNames.LOCATION, "/console/");
            res.header(HeaderNames.CACHE_CONTROL, NO_CACHE);
            res.status(Status.MOVED_PERMANENTLY_301).send();
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        res.header(HeaderNames.CACHE_CONTROL, NO_CACHE);
        res.send(index);
    }

    private void asset(ServerRequest req, ServerResponse res) {
        Asset asset = assets.get(req.path().pathParameters().get("name"));
        if (asset == null) {
            notFound(req, res);
            return;
        }
        secure(res);
        res.header(HeaderNames.CONTENT_TYPE, asset.contentType());
        res.header(HeaderNames.CACHE_CONTROL, IMMUTABLE);
        res.send(asset.body());
    }

    private void notFound(ServerRequest req, ServerResponse res) {
        secure(res);
        res.header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        res.header(HeaderNames.CACHE_CONTROL, NO_CACHE);
        res.status(Status.NOT_FOUND_404).send("Not found. The console is at /console/.");
    }

    private static void secure(ServerResponse res) {
        res.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        res.header("X-Frame-Options", "DENY");
        res.header("Referrer-Policy", "no-referrer");
        res.header("X-Content-Type-Options", "nosniff");
        res.header("Cross-Origin-Opener-Policy", "same-origin");
    }

    private static String contentType(String name) {
        if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        if (name.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        throw new IllegalStateException("no content type for " + name);
    }

    private static String hash(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] read(String name) {
        try (InputStream in = ConsoleUiService.class.getClassLoader().getResourceAsStream(ROOT + name)) {
            if (in == null) {
                throw new IllegalStateException(ROOT + name + " is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
