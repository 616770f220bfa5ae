package io.tollgate.api.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.http.Problem.FieldError;
import io.tollgate.api.input.Fields;
import io.tollgate.api.input.Fields.Parsed;
import io.tollgate.tenant.GorgiasCredentials;
import io.tollgate.tenant.Limits;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.Secret;
import io.tollgate.tenant.ShopifyCredentials;
import io.tollgate.tenant.Slug;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads admin request bodies on tenants into their records ({@link TenantIn}, {@link TenantPatch},
 * {@link RotateIn}), or a 400 listing every invalid field.
 */
final class TenantValidation {
    static final Set<String> RESERVED_SLUGS = Set.of(
            "admin", "api", "app", "assets", "dashboard", "docs", "health", "help", "internal", "login", "metrics",
            "null", "observe", "openapi", "root", "signup", "static", "status", "support", "system", "tollgate",
            "undefined", "webhook", "webhooks", "www");
    private static final Pattern GORGIAS_DOMAIN = Pattern.compile("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$");
    private static final Pattern SHOP_DOMAIN = Pattern.compile("^[a-z0-9][a-z0-9-]{0,61}\\.myshopify\\.com$");
    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]{1,64}@[^@\\s]+\\.[^@\\s]+$");
    private static final Pattern API_VERSION = Pattern.compile("^(\\d{4}-(01|04|07|10)|unstable)$");
    private static final Pattern NO_SPACE = Pattern.compile("^\\S+$");

    private static final Set<String> TENANT_FIELDS = Set.of("slug", "name", "gorgias", "shopify", "limits",
                                                            "connect", "draft_only");
    private static final Set<String> PATCH_FIELDS = Set.of("name", "gorgias", "shopify", "limits", "draft_only");
    private static final Set<String> GORGIAS_FIELDS = Set.of("domain", "username", "api_key", "base_url");
    private static final Set<String> SHOPIFY_FIELDS = Set.of("shop_domain", "access_token", "webhook_secret",
                                                             "api_version", "base_url");
    private static final Set<String> LIMITS_FIELDS = Set.of("rate_per_minute", "burst", "max_payload_bytes",
                                                            "timeout_ms", "max_concurrent",
                                                            "retry_attempts", "llm_drafts_per_day");

    private final boolean allowOverride;

    TenantValidation(boolean allowOverride) {
        this.allowOverride = allowOverride;
    }

    /** A create request. */
    TenantIn create(JsonNode body) {
        List<FieldError> errors = new ArrayList<>();
        Fields f = Fields.root(body, TENANT_FIELDS, errors);
        Optional<Slug> slug = f.parsed("slug", true, 63, v -> Slug.parse(v).map(Parsed::ok).orElseGet(
                () -> Parsed.fail("must be 3-63 lowercase letters, digits or hyphens, not starting or ending with a"
                                          + " hyphen")));
        slug.filter(v -> RESERVED_SLUGS.contains(v.value())).ifPresent(v -> f.error("slug", "is reserved"));
        Optional<String> name = f.string("name", true, 200);
        Optional<Fields> g = f.object("gorgias", true, GORGIAS_FIELDS);
        Optional<String> gDomain = g.flatMap(x -> gorgiasDomain(x, true));
        Optional<String> gUser = g.flatMap(x -> x.string("username", true, 254, EMAIL, "must be an email address"));
        Optional<String> gKey = g.flatMap(x -> x.string("api_key", true, 512, NO_SPACE, "must not contain spaces"));
        Optional<Optional<URI>> gBase = g.map(x -> baseUrl(x));
        Optional<Fields> s = f.object("shopify", true, SHOPIFY_FIELDS);
        Optional<String> sDomain = s.flatMap(x -> shopDomain(x, true));
        Optional<String> sToken = s.flatMap(x -> x.string("access_token", true, 512, NO_SPACE,
                                                          "must not contain spaces"));
        Optional<String> sSecret = s.flatMap(x -> webhookSecret(x, true));
        Optional<String> sVersion = s.flatMap(x -> x.string("api_version", false, 16, API_VERSION,
                                                            "must be a Shopify API version like 2025-10"));
        Optional<Optional<URI>> sBase = s.map(x -> baseUrl(x));
        Limits limits = f.object("limits", false, LIMITS_FIELDS).map(x -> limits(x, Limits.DEFAULTS))
                .orElse(Limits.DEFAULTS);
        boolean connect = f.bool("connect", false).orElse(false);
        boolean draftOnly = f.bool("draft_only", false).orElse(false);
        Fields.throwIfAny(errors);
        return new TenantIn(slug.orElseThrow(), name.orElseThrow(), limits,
                            new GorgiasCredentials(gDomain.orElseThrow(), gUser.orElseThrow(),
                                                   Secret.of(gKey.orElseThrow()), gBase.orElseThrow()),
                            new ShopifyCredentials(sDomain.orElseThrow(), Secret.of(sToken.orElseThrow()),
                                                   sVersion.orElse(ShopifyCredentials.DEFAULT_API_VERSION),
                                                   sBase.orElseThrow()),
                            Secret.of(sSecret.orElseThrow()), connect, draftOnly);
    }

    /** A PATCH of {@code current}. */
    TenantPatch patch(JsonNode body, ResolvedTenant current) {
        List<FieldError> errors = new ArrayList<>();
        Fields f = Fields.root(body, PATCH_FIELDS, errors);
        String name = f.string("name", false, 200).orElse(current.tenant().name());
        GorgiasCredentials g0 = current.gorgias();
        GorgiasCredentials gorgias = f.object("gorgias", false, GORGIAS_FIELDS).map(x -> new GorgiasCredentials(
                gorgiasDomain(x, false).orElse(g0.domain()),
                x.string("username", false, 254, EMAIL, "must be an email address").orElse(g0.username()),
                x.string("api_key", false, 512, NO_SPACE, "must not contain spaces").map(Secret::of)
                        .orElse(g0.apiKey()),
                x.has("base_url") ? baseUrl(x) : g0.baseUrl())).orElse(g0);
        ShopifyCredentials s0 = current.shopify();
        ShopifyCredentials shopify = f.object("shopify", false, SHOPIFY_FIELDS).map(x -> {
            if (x.has("webhook_secret")) {
                x.error("webhook_secret", "is changed with POST /admin/tenants/{slug}/secrets/rotate");
            }
            return new ShopifyCredentials(
                    shopDomain(x, false).orElse(s0.shopDomain()),
                    x.string("access_token", false, 512, NO_SPACE, "must not contain spaces").map(Secret::of)
                            .orElse(s0.accessToken()),
                    x.string("api_version", false, 16, API_VERSION, "must be a Shopify API version like 2025-10")
                            .orElse(s0.apiVersion()),
                    x.has("base_url") ? baseUrl(x) : s0.baseUrl());
        }).orElse(s0);
        Limits limits = f.object("limits", false, LIMITS_FIELDS).map(x -> limits(x, current.tenant().limits()))
                .orElse(current.tenant().limits());
        Optional<Boolean> draftOnly = f.bool("draft_only", false);
        if (f.isNull("draft_only")) {
            f.error("draft_only", "must be true or false");
        }
        Fields.throwIfAny(errors);
        return new TenantPatch(name, limits, draftOnly, gorgias, shopify);
    }

    private static final Set<String> ROTATE_FIELDS = Set.of("provider", "grace_seconds", "webhook_secret");

    /** A secret rotation. */
    static RotateIn rotate(JsonNode body) {
        List<FieldError> errors = new ArrayList<>();
        Fields f = Fields.root(body, ROTATE_FIELDS, errors);
        Optional<Provider> provider = f.parsed("provider", true, 20, p -> Provider.fromWire(p)
                .map(Parsed::ok).orElseGet(() -> Parsed.fail("must be \"gorgias\" or \"shopify\"")));
        int grace = f.integer("grace_seconds", false, 0, RotateIn.MAX_GRACE_SECONDS)
                .orElse(RotateIn.DEFAULT_GRACE_SECONDS);
        Optional<String> given = Optional.empty();
        if (provider.isPresent() && provider.get() == Provider.SHOPIFY) {
            given = webhookSecret(f, true);
        } else if (provider.isPresent() && f.has("webhook_secret")) {
            f.error("webhook_secret", "the Gorgias webhook secret is generated by Tollgate; leave it out");
        }
        Fields.throwIfAny(errors);
        return new RotateIn(provider.orElseThrow(), grace, given.map(Secret::of));
    }

    private static Optional<String> webhookSecret(Fields x, boolean required) {
        return x.string("webhook_secret", required, 512, Pattern.compile("^\\S{12,}$"),
                        "must be at least 12 characters without spaces");
    }

    private static Optional<String> gorgiasDomain(Fields x, boolean required) {
        return x.parsed("domain", required, 63, d -> {
            String v = d.toLowerCase(java.util.Locale.ROOT);
            if (v.endsWith(".gorgias.com")) {
                return Parsed.fail("must be the Gorgias account name only (\"" + "acme" + "\" for acme.gorgias.com)");
            }
            return GORGIAS_DOMAIN.matcher(v).matches() ? Parsed.ok(v)
                    : Parsed.fail("must be a Gorgias account name: lowercase letters, digits and hyphens");
        });
    }

    private static Optional<String> shopDomain(Fields x, boolean required) {
        return x.parsed("shop_domain", required, 100, d -> {
            String v = d.toLowerCase(java.util.Locale.ROOT);
            return SHOP_DOMAIN.matcher(v).matches() ? Parsed.ok(v)
                    : Parsed.fail("must be the shop's <name>.myshopify.com domain");
        });
    }

    private Optional<URI> baseUrl(Fields x) {
        if (!x.has("base_url") || x.isNull("base_url")) {
            return Optional.empty();
        }
        if (!allowOverride) {
            x.error("base_url", "upstream overrides are disabled on this server (TOLLGATE_ALLOW_UPSTREAM_OVERRIDE)");
            return Optional.empty();
        }
        return x.parsed("base_url", false, 500, v -> {
            try {
                URI u = URI.create(v);
                if (u.isAbsolute() && ("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
                        && u.getHost() != null && u.getQuery() == null && u.getFragment() == null) {
                    return Parsed.ok(URI.create(v.endsWith("/") ? v.substring(0, v.length() - 1) : v));
                }
            } catch (IllegalArgumentException e) {
                // fall through
            }
            return Parsed.fail("must be an absolute http(s) URL without query or fragment");
        });
    }

    private static Limits limits(Fields x, Limits base) {
        int rate = x.integer("rate_per_minute", false, 1, 1_000_000).orElse(base.ratePerMinute());
        int burst = x.integer("burst", false, 1, 100_000).orElse(base.burst());
        int payload = x.integer("max_payload_bytes", false, 1024, Limits.MAX_PAYLOAD_BYTES)
                .orElse(base.maxPayloadBytes());
        int timeout = x.integer("timeout_ms", false, Limits.MIN_TIMEOUT_MS, Limits.MAX_TIMEOUT_MS)
                .orElse(base.timeoutMs());
        int concurrent = x.integer("max_concurrent", false, 1, 1024).orElse(base.maxConcurrent());
        int retries = x.integer("retry_attempts", false, 1, Limits.MAX_RETRY_ATTEMPTS).orElse(base.retryAttempts());
        // null puts the tenant back on the fleet's default; absent keeps what it had
        Optional<Integer> drafts = x.isNull("llm_drafts_per_day") ? Optional.empty()
                : x.integer("llm_drafts_per_day", false, 0, Limits.MAX_LLM_DRAFTS_PER_DAY)
                        .or(base::llmDraftsPerDay);
        return new Limits(rate, burst, payload, timeout, concurrent, retries, drafts);
    }
}
