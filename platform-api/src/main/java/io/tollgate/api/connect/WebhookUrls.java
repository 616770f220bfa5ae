package io.tollgate.api.connect;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

import java.net.URI;
import java.util.Optional;

/** Where merchants' upstreams reach a tenant: {@code <base>/webhooks/<slug>/<provider>}. */
public record WebhookUrls(String gorgias, String shopify) {
    public static WebhookUrls of(URI publicBase, String slug) {
        String base = publicBase.toString() + "/webhooks/" + slug;
        return new WebhookUrls(base + "/gorgias", base + "/shopify");
    }

    /** The address the URLs are built on: {@code TOLLGATE_PUBLIC_URL}, else the request's Host header. */
    public static URI base(Optional<URI> publicUrl, ServerRequest req) {
        return publicUrl.orElseGet(() -> URI.create("http://" + req.headers().first(HeaderNames.HOST)
                .orElse("localhost:" + req.localPeer().port())));
    }
}
