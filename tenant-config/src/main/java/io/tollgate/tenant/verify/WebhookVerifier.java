package io.tollgate.tenant.verify;

import io.tollgate.tenant.Provider;
import io.tollgate.tenant.Secret;

import java.util.List;

/**
 * Decides whether a delivery is authentic: verified over the exact bytes received, before any parsing, against every
 * secret that is valid now (two during a rotation's grace period). Every comparison is constant-time.
 *
 * <p>The schemes are a closed set ({@link HmacVerifier}, {@link TokenVerifier}, {@link AnyOfVerifier}); providers
 * are presets of them ({@link #forProvider}). There is no default: a scheme that is not one of these cannot be built,
 * so an unknown one fails closed.
 */
public sealed interface WebhookVerifier permits HmacVerifier, TokenVerifier, AnyOfVerifier {

    /** True when {@code body} with {@code headers} was signed with one of {@code secrets}. */
    boolean verify(HeaderLookup headers, byte[] body, List<Secret> secrets);

    /** What the headers alone say about a delivery, before any byte of its body is read. */
    enum Precheck {
        /** authentic whatever the body (a token that matches) */
        AUTHENTIC,
        /** cannot verify whatever the body (no signature, or one that is not a signature's shape; a wrong token) */
        FORGED,
        /** only the body can tell */
        NEEDS_BODY
    }

    /**
     * What {@link #verify} would say from {@code headers} alone, so a delivery that cannot be authentic is refused
     * without its body being read. Never {@link Precheck#FORGED} for a delivery {@code verify} would accept.
     */
    Precheck precheck(HeaderLookup headers, List<Secret> secrets);

    /** Shopify: {@code X-Shopify-Hmac-Sha256}, base64 of HMAC-SHA256 over the raw body. */
    WebhookVerifier SHOPIFY = new HmacVerifier("X-Shopify-Hmac-Sha256", HmacVerifier.Encoding.BASE64, "");

    /**
     * Gorgias: HTTP integrations cannot sign, so either {@code X-Gorgias-Signature} (lowercase hex HMAC-SHA256, an
     * optional {@code sha256=} prefix) or the fixed header {@code X-Tollgate-Token} carrying the secret itself.
     */
    WebhookVerifier GORGIAS = new AnyOfVerifier(List.of(
            new HmacVerifier("X-Gorgias-Signature", HmacVerifier.Encoding.HEX, "sha256="),
            new TokenVerifier("X-Tollgate-Token")));

    static WebhookVerifier forProvider(Provider provider) {
        return switch (provider) {
            case SHOPIFY -> SHOPIFY;
            case GORGIAS -> GORGIAS;
        };
    }
}
