package io.tollgate.api.consoleui;

import io.tollgate.api.TestGateway;
import io.tollgate.api.TestServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console's files as a browser gets them from a gateway started as in production: the security headers on every
 * answer, fingerprinted assets cached for a year while index.html is revalidated, no inline script or style, and
 * the admin API's own rules (a token, strict CORS) unchanged beside it.
 */
class ConsoleHeadersTest {
    @RegisterExtension
    static final TestGateway GATEWAY = TestGateway.withSettings();
    private static final Pattern ASSET = Pattern.compile("\"assets/(app-[0-9a-f]{16}\\.(?:js|css))\"");

    private static HttpResponse<String> get(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(TestServers.at(GATEWAY.server().adminPort(), path)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return TestServers.send(b.build());
    }

    private static void assertSecure(HttpResponse<String> res) {
        assertThat(res.headers().firstValue("Content-Security-Policy")).hasValue(
                "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
                        + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
        assertThat(res.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(res.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
        assertThat(res.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    }

    @Test
    void indexIsRevalidatedAndNamesFingerprintedAssetsCachedForAYear() {
        HttpResponse<String> index = get("/console/");
        assertThat(index.statusCode()).isEqualTo(200);
        assertSecure(index);
        assertThat(index.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("text/html"));
        assertThat(index.headers().firstValue("Cache-Control")).hasValue("no-cache");
        // no inline script or style: the policy would block them, so none may be needed
        assertThat(index.body()).doesNotContain("<script>").doesNotContain("style=").doesNotContain("<style");

        List<String> assets = new ArrayList<>();
        Matcher m = ASSET.matcher(index.body());
        while (m.find()) {
            assets.add(m.group(1));
        }
        assertThat(assets).hasSize(2).anyMatch(a -> a.endsWith(".js")).anyMatch(a -> a.endsWith(".css"));
        for (String asset : assets) {
            HttpResponse<String> res = get("/console/assets/" + asset);
            assertThat(res.statusCode()).as(asset).isEqualTo(200);
            assertSecure(res);
            assertThat(res.headers().firstValue("Cache-Control")).hasValue("public, max-age=31536000, immutable");
            assertThat(res.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith(
                    asset.endsWith(".js") ? "text/javascript" : "text/css"));
        }
        // the unfingerprinted names and other paths are not served (and never cached)
        for (String path : List.of("/console/assets/app.js", "/console/assets/app-0000000000000000.js",
                                   "/console/app.js", "/console/assets/")) {
            HttpResponse<String> res = get(path);
            assertThat(res.statusCode()).as(path).isEqualTo(404);
            assertThat(res.headers().firstValue("Cache-Control")).as(path).hasValue("no-cache");
        }
    }

    @Test
    void theBarePathRedirectsToTheSlashSoRelativeAssetNamesResolve() {
        HttpResponse<String> res = get("/console");
        assertThat(res.statusCode()).isEqualTo(301);
        assertThat(res.headers().firstValue("Location")).hasValue("/console/");
        assertSecure(res);
    }

    @Test
    void theScriptKeepsTheTokenOutOfUrlsCookiesAndLocalStorageAndWritesNoHtml() {
        Matcher m = ASSET.matcher(get("/console/").body());
        String script = null;
        while (m.find()) {
            if (m.group(1).endsWith(".js")) {
                script = get("/console/assets/" + m.group(1)).body();
            }
        }
        assertThat(script).isNotNull().contains("sessionStorage").contains("'Authorization'");
        assertThat(script).doesNotContain("localStorage").doesNotContain("document.cookie")
                .doesNotContain("innerHTML").doesNotContain("outerHTML").doesNotContain("eval(")
                .doesNotContain("//cdn").doesNotContain("import(");
    }

    @Test
    void theAdminApiKeepsItsTokenAndStrictCors() {
        assertThat(get("/admin/tenants").statusCode()).isEqualTo(401);
        HttpResponse<String> foreign = get("/admin/tenants", "Authorization", "Bearer " + TestServers.ADMIN_TOKEN,
                                           "Origin", "https://evil.example");
        assertThat(foreign.statusCode()).isEqualTo(200);
        assertThat(foreign.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }
}
