package io.tollgate.tenant.verify;

import io.tollgate.tenant.Secret;

import java.util.List;
import java.util.Optional;

/** The secret itself in a fixed header, compared in constant time. */
public record TokenVerifier(String header) implements WebhookVerifier {
    @Override
    public boolean verify(HeaderLookup headers, byte[] body, List<Secret> secrets) {
        Optional<String> presented = headers.first(header).map(String::strip);
        if (presented.isEmpty() || presented.get().isEmpty()) {
            return false;
        }
        boolean match = false;
        for (Secret s : secrets) {
            match |= s.matches(presented.get());
        }
        return match;
    }

    /** The token is all there is: the headers decide. */
    @Override
    public Precheck precheck(HeaderLookup headers, List<Secret> secrets) {
        return verify(headers, new byte[0], secrets) ? Precheck.AUTHENTIC : Precheck.FORGED;
    }
}
