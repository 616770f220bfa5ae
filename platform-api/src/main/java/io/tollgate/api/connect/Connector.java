package io.tollgate.api.connect;

import io.tollgate.tenant.Provider;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.Secret;
import io.tollgate.tenant.TenantId;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Connects a tenant's Gorgias and Shopify to Tollgate, in one call and idempotently, through the same upstream clients
 * (pacing, circuit breakers, metrics, redaction) the worker uses: runs each provider's steps ({@link GorgiasConnection},
 * {@link ShopifyConnection}) under a lease of the tenant's connection, and records what they registered and whether it
 * works.
 *
 * <p>A step that fails leaves the others done (a Gorgias failure does not stop Shopify's steps); within one provider a
 * failed check skips the steps that depend on it. Everything is safe to run again. What was registered is recorded in
 * {@link ConnectionStore}, so that rotating the Gorgias secret ({@link #followRotation}) and deleting the tenant
 * ({@link #disconnect}) act on exactly that.
 */
public final class Connector {
    /** The webhook topics the worker handles from the shop's orders and the app's lifecycle. */
    public static final List<String> SHOPIFY_TOPICS = ShopifyConnection.TOPICS;
    /** Shopify's privacy topics, which an app declares in its configuration rather than through the API. */
    public static final String PRIVACY_NOTE = "Shopify's mandatory privacy topics (customers/data_request, "
            + "customers/redact, shop/redact) are set in the app's configuration (shopify.app.toml or the Partner "
            + "Dashboard), not through this API: point them at webhook_urls.shopify there.";
    /** Longer than a connect can take: four calls per provider, each within the upstream timeouts. */
    static final Duration LEASE = Duration.ofMinutes(3);

    private static final System.Logger LOG = System.getLogger(Connector.class.getName());

    private final GorgiasConnection gorgias;
    private final ShopifyConnection shopify;
    private final ConnectionStore store;

    public Connector(GorgiasConnection gorgias, ShopifyConnection shopify, ConnectionStore store) {
        this.gorgias = Objects.requireNonNull(gorgias, "gorgias");
        this.shopify = Objects.requireNonNull(shopify, "shopify");
        this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * Where upstreams are to send the tenant's webhooks.
     *
     * @param fromPublicUrl false when {@code TOLLGATE_PUBLIC_URL} is not set and the URLs were built from the admin
     *                      request's Host header
     */
    public record Targets(URI gorgias, URI shopify, boolean fromPublicUrl) {
        URI of(Provider provider) {
            return switch (provider) {
                case GORGIAS -> gorgias;
                case SHOPIFY -> shopify;
            };
        }
    }

    /** Another connect of the same tenant and provider holds the lease. */
    public static final class InProgress extends RuntimeException {
        private final transient Provider provider;

        InProgress(Provider provider) {
            super("a connect of this tenant's " + provider.wire() + " is in progress", null, false, false);
            this.provider = provider;
        }

        public Provider provider() {
            return provider;
        }
    }

    /**
     * Connects {@code providers} (both when empty).
     *
     * @throws InProgress when another connect of the tenant holds one of the providers
     */
    public ConnectOut connect(ResolvedTenant tenant, Set<Provider> providers, Targets targets) {
        Set<Provider> wanted = providers.isEmpty() ? Set.of(Provider.GORGIAS, Provider.SHOPIFY) : Set.copyOf(providers);
        List<Provider> asked = Stream.of(Provider.GORGIAS, Provider.SHOPIFY).filter(wanted::contains).toList();
        List<Provider> leased = new ArrayList<>();
        try {
            for (Provider p : asked) {
                if (!store.lease(tenant.id(), p, LEASE)) {
                    throw new InProgress(p);
                }
                leased.add(p);
            }
        } catch (RuntimeException e) {
            leased.forEach(p -> releaseQuietly(tenant, p));
            throw e;
        }
        Map<Provider, ConnectionStore.Connection> known = new LinkedHashMap<>();
        store.all(tenant.id()).forEach(c -> known.put(c.provider(), c));
        Map<Provider, ConnectOut.ProviderOut> outs = new EnumMap<>(Provider.class);
        try {
            for (Provider p : asked) {
                URI url = targets.of(p);
                ProviderConnection.Outcome o = connection(p).connect(tenant, url, Optional.ofNullable(known.get(p))
                        .map(ConnectionStore.Connection::upstreamIds).orElse(Map.of()));
                ConnectOut.ProviderOut out = ConnectOut.ProviderOut.of(url.toString(), o.steps());
                outs.put(p, out);
                record(tenant, p, out, o.ids());
            }
        } finally {
            // a failure above (the database) must not keep the lease for its full length
            leased.forEach(p -> releaseQuietly(tenant, p));
        }
        ConnectOut.ProviderOut g = outs.get(Provider.GORGIAS);
        ConnectOut.ProviderOut s = outs.get(Provider.SHOPIFY);
        String status = outs.values().stream().allMatch(ConnectOut.ProviderOut::ok) ? "ok"
                : outs.values().stream().noneMatch(ConnectOut.ProviderOut::ok) ? "failed" : "partial";
        List<String> notes = new ArrayList<>();
        if (s != null) {
            notes.add(PRIVACY_NOTE);
        }
        if (!targets.fromPublicUrl()) {
            notes.add("TOLLGATE_PUBLIC_URL is not set, so the webhook URLs were built from this request's Host "
                              + "header; set it to the address upstreams reach Tollgate at and connect again.");
        }
        LOG.log(System.Logger.Level.INFO, () -> "tenant " + tenant.tenant().slug() + " connect: " + status
                + (g == null ? "" : "; gorgias " + g.status()) + (s == null ? "" : "; shopify " + s.status()));
        return new ConnectOut(status, g, s, notes);
    }

    /**
     * After the tenant's Gorgias secret was rotated to {@code token}: updates the {@code X-Tollgate-Token} header of
     * the integration Tollgate registered, best effort. {@code not_connected} when there is none; {@code skipped}
     * while a connect of the tenant's Gorgias runs (it reads the new secret itself only if it started after the
     * rotation: connect again once it is done); {@code failed} marks the connection broken.
     *
     * @param fallbackUrl the integration's URL when the connection has none on record; empty when no trusted one can
     *                    be built ({@code TOLLGATE_PUBLIC_URL} missing outside local and test mode): then such an
     *                    integration is skipped, never pointed at a URL taken from the request's Host header
     */
    public StepOut followRotation(ResolvedTenant tenant, Secret token, Optional<URI> fallbackUrl) {
        Optional<ConnectionStore.Connection> known = store.find(tenant.id(), Provider.GORGIAS);
        Optional<Long> id = known.flatMap(c -> GorgiasConnection.integrationId(c.upstreamIds()));
        if (id.isEmpty()) {
            return StepOut.done("integration", "not_connected");
        }
        Optional<URI> target = known.get().webhookUrl().map(URI::create).or(() -> fallbackUrl);
        if (target.isEmpty()) {
            return StepOut.skipped("integration", null, "public-url-required: no webhook URL is on record for this"
                    + " integration and TOLLGATE_PUBLIC_URL is not an https URL; set it and connect again");
        }
        if (!store.lease(tenant.id(), Provider.GORGIAS, LEASE)) {
            return StepOut.skipped("integration", null, "a connect of this tenant's Gorgias is in progress; POST "
                    + "/admin/tenants/" + tenant.tenant().slug() + "/connect once it is done");
        }
        URI url = target.get();
        StepOut step;
        try {
            step = gorgias.followRotation(tenant, id.get(), url, token);
        } catch (RuntimeException e) {
            releaseQuietly(tenant, Provider.GORGIAS);
            throw e;
        }
        boolean ok = step.succeeded();
        store.record(tenant.id(), Provider.GORGIAS, ok ? ConnectionStatus.OK : ConnectionStatus.BROKEN,
                     ok ? Optional.empty() : Optional.of("secret rotation: " + step.summary()),
                     known.get().upstreamIds(), url.toString(), false);
        LOG.log(ok ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
                () -> "tenant " + tenant.tenant().slug() + " gorgias secret rotated; integration " + id.get() + " "
                        + step.status());
        return step;
    }

    /**
     * Removes what Tollgate registered upstream for the tenant (its Gorgias integration, its Shopify subscriptions),
     * best effort, before the tenant is deleted; each outcome is logged (never a credential). Failures do not stop the
     * deletion: the upstream then keeps posting into 404s until someone removes it there.
     */
    public List<StepOut> disconnect(ResolvedTenant tenant) {
        List<StepOut> steps = new ArrayList<>();
        for (ConnectionStore.Connection c : store.all(tenant.id())) {
            steps.addAll(connection(c.provider()).disconnect(tenant, c.upstreamIds()));
        }
        if (!steps.isEmpty()) {
            boolean ok = steps.stream().allMatch(StepOut::succeeded);
            LOG.log(ok ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
                    () -> "tenant " + tenant.tenant().slug() + " disconnected before deletion: " + steps.stream()
                            .map(st -> st.step() + (st.topic() == null ? "" : " " + st.topic()) + " " + st.id()
                                    + " " + st.status())
                            .collect(Collectors.joining(", ")));
        }
        return steps;
    }

    /** What is known of several tenants' connections (for the admin API's answers). */
    public Map<TenantId, Map<Provider, ConnectionStore.Connection>> connections(List<TenantId> tenants) {
        return store.all(tenants);
    }

    private ProviderConnection connection(Provider provider) {
        return switch (provider) {
            case GORGIAS -> gorgias;
            case SHOPIFY -> shopify;
        };
    }

    /** The connection is ok when every step succeeded, else broken with the first failed step as its reason. */
    private void record(ResolvedTenant tenant, Provider provider, ConnectOut.ProviderOut out, Map<String, String> ids) {
        boolean ok = out.ok();
        Optional<String> reason = out.steps().stream().filter(st -> !st.succeeded()).findFirst()
                .map(StepOut::summary);
        store.record(tenant.id(), provider, ok ? ConnectionStatus.OK : ConnectionStatus.BROKEN, reason, ids,
                     out.webhookUrl(), ok);
    }

    private void releaseQuietly(ResolvedTenant tenant, Provider provider) {
        try {
            store.release(tenant.id(), provider);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not release the connect lease of tenant "
                    + tenant.tenant().slug() + " (" + provider.wire() + "); it expires in " + LEASE.toMinutes()
                    + " minutes: " + e.getMessage());
        }
    }
}
