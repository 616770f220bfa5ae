package io.tollgate.tenant.verify;

import io.tollgate.tenant.Secret;

import java.util.List;

/** Authentic when any of the schemes verifies. */
public record AnyOfVerifier(List<WebhookVerifier> schemes) implements WebhookVerifier {
    public AnyOfVerifier {
        if (schemes.isEmpty()) {
            throw new IllegalArgumentException("at least one scheme");
        }
        schemes = List.copyOf(schemes);
    }

    @Override
    public boolean verify(HeaderLookup headers, byte[] body, List<Secret> secrets) {
        for (WebhookVerifier v : schemes) {
            if (v.verify(headers, body, secrets)) {
                return true;
            }
        }
        return false;
    }
}
