package io.tollgate.tenant;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * A tenant's Gorgias REST API account.
 *
 * @param domain   the Gorgias account name ({@code <domain>.gorgias.com})
 * @param username the API user's email, also the sender of internal notes
 * @param apiKey   the API key (HTTP basic password)
 * @param baseUrl  an override of {@code https://<domain>.gorgias.com}, staging and tests only
 */
public record GorgiasCredentials(String domain, String username, Secret apiKey, Optional<URI> baseUrl) {
    public GorgiasCredentials {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(apiKey, "apiKey");
        Objects.requireNonNull(baseUrl, "baseUrl");
    }

    /** Where API calls go: the override when set, else the account's own host. */
    public URI effectiveBaseUrl() {
        return baseUrl.orElseGet(() -> URI.create("https://" + domain + ".gorgias.com"));
    }
}
