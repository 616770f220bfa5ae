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

    /** Authentic when one scheme's headers suffice; forged when none could verify; else the body decides. */
    @Override
    public Precheck precheck(HeaderLookup headers, List<Secret> secrets) {
        Precheck verdict = Precheck.FORGED;
        for (WebhookVerifier v : schemes) {
            Precheck p = v.precheck(headers, secrets);
            if (p == Precheck.AUTHENTIC) {
                return p;
            }
            if (p == Precheck.NEEDS_BODY) {
                verdict = p;
            }
        }
        return verdict;
    }
}
