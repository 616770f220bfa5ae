package io.tollgate.api.connect;

import io.tollgate.api.gorgias.GorgiasClient;
import io.tollgate.api.gorgias.HttpIntegration;
import io.tollgate.api.shopify.ShopifyClient;
import io.tollgate.api.shopify.WebhookSubscriptions;
import io.tollgate.api.upstream.UpstreamResult;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.Secret;
import io.tollgate.tenant.TenantId;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Connects a tenant's Gorgias and Shopify to Tollgate, in one call and idempotently, through the same upstream clients
 * (pacing, circuit breakers, metrics, redaction) the worker uses:
 *
 * <ul>
 *   <li>Gorgias: the credentials are checked with a cheap read; then the account's HTTP integrations are listed and
 *       Tollgate's (the one recorded earlier, else one that already posts to the tenant's Gorgias URL) is left alone
 *       when it is as it should be, updated when not, and created only when there is none. So a second connect never
 *       adds a second integration.</li>
 *   <li>Shopify: the access token is checked and the shop's {@code myshopifyDomain} must be the tenant's
 *       {@code shop_domain} (subscribing another shop's webhooks to this tenant would be worse than nothing); then each
 *       of {@link #SHOPIFY_TOPICS} is subscribed at the tenant's Shopify URL unless it already is.</li>
 * </ul>
 *
 * A step that fails leaves the others done (a Gorgias failure does not stop Shopify's steps); within one provider a
 * failed check skips the steps that depend on it. Everything is safe to run again. What was registered is recorded in
 * {@link ConnectionStore}, so that rotating the Gorgias secret ({@link #followRotation}) and deleting the tenant
 * ({@link #disconnect}) act on exactly that.
 */
public final class Connector {
    /** The webhook topics the worker handles from the shop's orders and the app's lifecycle. */
    public static final List<String> SHOPIFY_TOPICS = List.of("ORDERS_CREATE", "ORDERS_UPDATED", "ORDERS_FULFILLED",
                                                              "CUSTOMERS_UPDATE", "APP_UNINSTALLED");
    /** Shopify's privacy topics, which an app declares in its configuration rather than through the API. */
    public static final String PRIVACY_NOTE = "Shopify's mandatory privacy topics (customers/data_request, "
            + "customers/redact, shop/redact) are set in the app's configuration (shopify.app.toml or the Partner "
            + "Dashboard), not through this API: point them at webhook_urls.shopify there.";
    /** Longer than a connect can take: four calls per provider, each within the upstream timeouts. */
    static final Duration LEASE = Duration.ofMinutes(3);
    static final String GORGIAS_ID = "integration";

    private static final System.Logger LOG = System.getLogger(Connector.class.getName());
    /**
     * Recorded-ids key prefix of a Shopify subscription at an earlier URL still to be deleted upstream:
     * {@code old:<subscription id>} → topic (keyed by id, so several pending for one topic are all kept).
     */
    static final String OLD = "old:";

    private final GorgiasClient gorgias;
    private final ShopifyClient shopify;
    private final ConnectionStore store;
    private final Clock clock;

    public Connector(GorgiasClient gorgias, ShopifyClient shopify, ConnectionStore store, Clock clock) {
        this.gorgias = Objects.requireNonNull(gorgias, "gorgias");
        this.shopify = Objects.requireNonNull(shopify, "shopify");
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Where upstreams are to send the tenant's webhooks.
     *
     * @param fromPublicUrl false when {@code TOLLGATE_PUBLIC_URL} is not set and the URLs were built from the admin
     *                      request's Host header
     */
    public record Targets(URI gorgias, URI shopify, boolean fromPublicUrl) {
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
        List<Provider> leased = new ArrayList<>();
        try {
            for (Provider p : List.of(Provider.GORGIAS, Provider.SHOPIFY)) {
                if (wanted.contains(p)) {
                    if (!store.lease(tenant.id(), p, LEASE)) {
                        throw new InProgress(p);
                    }
                    leased.add(p);
                }
            }
        } catch (RuntimeException e) {
            leased.forEach(p -> releaseQuietly(tenant, p));
            throw e;
        }
        Map<Provider, ConnectionStore.Connection> known = new LinkedHashMap<>();
        store.all(tenant.id()).forEach(c -> known.put(c.provider(), c));
        ConnectOut.ProviderOut gorgiasOut = null;
        ConnectOut.ProviderOut shopifyOut = null;
        try {
            if (wanted.contains(Provider.GORGIAS)) {
                Outcome o = gorgias(tenant, targets.gorgias(), Optional.ofNullable(known.get(Provider.GORGIAS)));
                gorgiasOut = o.out();
                record(tenant, Provider.GORGIAS, o, targets.gorgias());
            }
            if (wanted.contains(Provider.SHOPIFY)) {
                Outcome o = shopify(tenant, targets.shopify(), Optional.ofNullable(known.get(Provider.SHOPIFY)));
                shopifyOut = o.out();
                record(tenant, Provider.SHOPIFY, o, targets.shopify());
            }
        } finally {
            // a failure above (the database) must not keep the lease for its full length
            leased.forEach(p -> releaseQuietly(tenant, p));
        }
        ConnectOut.ProviderOut g = gorgiasOut;
        ConnectOut.ProviderOut s = shopifyOut;
        List<ConnectOut.ProviderOut> outs = java.util.stream.Stream.of(g, s).filter(Objects::nonNull).toList();
        String status = outs.stream().allMatch(ConnectOut.ProviderOut::ok) ? "ok"
                : outs.stream().noneMatch(ConnectOut.ProviderOut::ok) ? "failed" : "partial";
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
        Optional<Long> id = known.flatMap(c -> integrationId(c.upstreamIds()));
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
            UpstreamResult<Optional<HttpIntegration>> found = gorgias.httpIntegration(tenant, id.get());
            if (!(found instanceof UpstreamResult.Ok<Optional<HttpIntegration>>(Optional<HttpIntegration> existing))) {
                step = StepOut.failed("integration", null, found);
            } else if (existing.isEmpty()) {
                step = StepOut.failed("integration", null, "integration " + id.get() + " no longer exists in "
                        + "Gorgias; POST /admin/tenants/" + tenant.tenant().slug() + "/connect to create it again");
            } else {
                UpstreamResult<Long> updated = gorgias.updateHttpIntegration(tenant, existing.get(),
                                                                             name(tenant), url, token.reveal());
                step = updated instanceof UpstreamResult.Ok<Long>
                        ? StepOut.done("integration", null, "updated", id.get().toString())
                        : StepOut.failed("integration", null, updated);
            }
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
            if (c.provider() == Provider.GORGIAS) {
                integrationId(c.upstreamIds()).ifPresent(id -> {
                    UpstreamResult<Boolean> r = gorgias.deleteHttpIntegration(tenant, id);
                    steps.add(r instanceof UpstreamResult.Ok<Boolean>(Boolean deleted)
                                      ? StepOut.done("integration", null, deleted ? "deleted" : "gone", id.toString())
                                      : withId(StepOut.failed("integration", null, r), id.toString()));
                });
            } else if (c.provider() == Provider.SHOPIFY) {
                for (Map.Entry<String, String> e : c.upstreamIds().entrySet()) {
                    // old:<id> → topic (a subscription at an earlier URL still to delete), else topic → id
                    boolean older = e.getKey().startsWith(OLD);
                    String step = older ? "old_subscription" : "subscription";
                    String topic = older ? e.getValue() : e.getKey();
                    String id = older ? e.getKey().substring(OLD.length()) : e.getValue();
                    if (!tenant.shopify().enabled()) {
                        steps.add(new StepOut(step, topic, "skipped", id, null, null,
                                              "the shop uninstalled the app; Shopify removed the app's subscriptions"));
                        continue;
                    }
                    UpstreamResult<Boolean> r = shopify.deleteWebhookSubscription(tenant, id);
                    steps.add(r instanceof UpstreamResult.Ok<Boolean>(Boolean deleted)
                                      ? StepOut.done(step, topic, deleted ? "deleted" : "gone", id)
                                      : withId(StepOut.failed(step, topic, r), id));
                }
            }
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

    // --- Gorgias --------------------------------------------------------------------------------------------------

    private Outcome gorgias(ResolvedTenant tenant, URI url, Optional<ConnectionStore.Connection> known) {
        Map<String, String> ids = new LinkedHashMap<>(known.map(ConnectionStore.Connection::upstreamIds)
                                                              .orElse(Map.of()));
        List<StepOut> steps = new ArrayList<>();
        UpstreamResult<Boolean> verified = gorgias.verifyCredentials(tenant);
        if (!(verified instanceof UpstreamResult.Ok<Boolean>)) {
            steps.add(StepOut.failed("verify_credentials", null, verified));
            steps.add(StepOut.skipped("integration", null, "the credentials were not verified"));
            return new Outcome(ConnectOut.ProviderOut.of(url.toString(), steps), ids);
        }
        steps.add(StepOut.done("verify_credentials", "ok"));
        List<Secret> secrets = tenant.verifyingSecrets(Provider.GORGIAS, clock.instant());
        if (secrets.isEmpty()) {
            steps.add(StepOut.failed("integration", null, "the tenant has no valid Gorgias webhook secret; rotate it"));
            return new Outcome(ConnectOut.ProviderOut.of(url.toString(), steps), ids);
        }
        String token = secrets.getFirst().reveal();
        UpstreamResult<List<HttpIntegration>> listed = gorgias.httpIntegrations(tenant);
        if (!(listed instanceof UpstreamResult.Ok<List<HttpIntegration>>(List<HttpIntegration> all))) {
            steps.add(StepOut.failed("integration", null, listed));
            return new Outcome(ConnectOut.ProviderOut.of(url.toString(), steps), ids);
        }
        Optional<Long> recorded = integrationId(ids);
        Optional<HttpIntegration> ours = recorded.flatMap(id -> all.stream().filter(i -> i.id() == id).findFirst())
                .or(() -> all.stream().filter(i -> i.pointsAt(url)).min(Comparator.comparingLong(HttpIntegration::id)));
        long others = all.stream().filter(i -> i.pointsAt(url) && ours.map(o -> o.id() != i.id()).orElse(true))
                .count();
        StepOut step;
        if (ours.isPresent() && ours.get().matches(url, token)) {
            step = StepOut.done("integration", null, "unchanged", Long.toString(ours.get().id()));
        } else if (ours.isPresent()) {
            UpstreamResult<Long> r = gorgias.updateHttpIntegration(tenant, ours.get(), name(tenant), url, token);
            step = r instanceof UpstreamResult.Ok<Long>(Long id) ? StepOut.done("integration", null, "updated",
                                                                                 id.toString())
                    : withId(StepOut.failed("integration", null, r), Long.toString(ours.get().id()));
        } else {
            UpstreamResult<Long> r = gorgias.createHttpIntegration(tenant, name(tenant), url, token);
            step = r instanceof UpstreamResult.Ok<Long>(Long id) ? StepOut.done("integration", null, "created",
                                                                                 id.toString())
                    : StepOut.failed("integration", null, r);
        }
        if (step.succeeded()) {
            ids.put(GORGIAS_ID, step.id());
            if (others > 0) {
                step = new StepOut(step.step(), null, step.status(), step.id(), null, null, others
                        + " other HTTP integration(s) of this Gorgias account also post to this URL; Tollgate left"
                        + " them as they are (remove them in Gorgias to stop duplicate deliveries)");
            }
        }
        steps.add(step);
        return new Outcome(ConnectOut.ProviderOut.of(url.toString(), steps), ids);
    }

    // --- Shopify --------------------------------------------------------------------------------------------------

    private Outcome shopify(ResolvedTenant tenant, URI url, Optional<ConnectionStore.Connection> known) {
        Map<String, String> ids = new LinkedHashMap<>(known.map(ConnectionStore.Connection::upstreamIds)
                                                              .orElse(Map.of()));
        // the subscriptions Tollgate had recorded per topic (not those pending deletion, keyed old:<id>)
        Set<String> recordedBefore = ids.entrySet().stream().filter(e -> !e.getKey().startsWith(OLD))
                .map(Map.Entry::getValue).collect(Collectors.toUnmodifiableSet());
        List<StepOut> steps = new ArrayList<>();
        if (!tenant.shopify().enabled()) {
            steps.add(StepOut.skipped("verify_token", null, "the shop uninstalled the app (shopify.disabled_at); "
                    + "PATCH the tenant with the new access token first"));
            skipRest(steps, true, "the access token was not verified");
            return new Outcome(ConnectOut.ProviderOut.of(url.toString(), steps), ids);
        }
        UpstreamResult<String> domain = shopify.shopDomain(tenant);
        if (!(domain instanceof UpstreamResult.Ok<String>(String shop))) {
            steps.add(StepOut.failed("verify_token", null, domain));
            skipRest(steps, true, "the access token was not verified");
            return new Outcome(ConnectOut.ProviderOut.of(url.toString(), steps), ids);
        }
        steps.add(StepOut.done("verify_token", "ok"));
        String expected = tenant.shopify().shopDomain().toLowerCase(Locale.ROOT);
        if (!shop.equals(expected)) {
            steps.add(StepOut.failed("shop_domain", null, "the access token is for " + shop + ", not " + expected
                    + "; fix shopify.shop_domain or shopify.access_token"));
            skipRest(steps, false, "the shop is not the tenant's");
            return new Outcome(ConnectOut.ProviderOut.of(url.toString(), steps), ids);
        }
        steps.add(StepOut.done("shop_domain", "ok"));
        UpstreamResult<List<WebhookSubscriptions.Subscription>> listed =
                shopify.webhookSubscriptions(tenant, SHOPIFY_TOPICS);
        if (!(listed instanceof UpstreamResult.Ok<List<WebhookSubscriptions.Subscription>>(
                List<WebhookSubscriptions.Subscription> all))) {
            for (String topic : SHOPIFY_TOPICS) {
                steps.add(StepOut.failed("subscription", topic, listed));
            }
            return new Outcome(ConnectOut.ProviderOut.of(url.toString(), steps), ids);
        }
        for (String topic : SHOPIFY_TOPICS) {
            Optional<WebhookSubscriptions.Subscription> existing = all.stream()
                    .filter(sub -> sub.topic().equals(topic) && sub.url() != null && sameUrl(sub.url(), url))
                    .findFirst();
            if (existing.isPresent()) {
                ids.put(topic, existing.get().id());
                steps.add(StepOut.done("subscription", topic, "unchanged", existing.get().id()));
                continue;
            }
            UpstreamResult<String> created = shopify.createWebhookSubscription(tenant, topic, url.toString());
            if (created instanceof UpstreamResult.Ok<String>(String id)) {
                ids.put(topic, id);
                steps.add(StepOut.done("subscription", topic, "created", id));
            } else {
                steps.add(StepOut.failed("subscription", topic, created));
            }
        }
        removeOldSubscriptions(tenant, all, recordedBefore, ids, steps);
        return new Outcome(ConnectOut.ProviderOut.of(url.toString(), steps), ids);
    }

    /**
     * Subscriptions Tollgate made (or adopted) for an earlier URL of the tenant ({@code TOLLGATE_PUBLIC_URL} changed)
     * are deleted once the topic is subscribed at the current one, so Shopify does not post every event twice. Only
     * ids Tollgate recorded are touched, never a merchant's or another app's subscription. One that cannot be deleted
     * now is kept as {@code old:<id>} in the recorded ids: the next connect tries again, a delete removes it too.
     */
    private void removeOldSubscriptions(ResolvedTenant tenant, List<WebhookSubscriptions.Subscription> all,
                                        Set<String> recordedBefore, Map<String, String> ids, List<StepOut> steps) {
        // id → topic: those still pending from an earlier connect, then those this connect replaced
        Map<String, String> old = new LinkedHashMap<>();
        ids.entrySet().removeIf(e -> {
            if (e.getKey().startsWith(OLD)) {
                old.put(e.getKey().substring(OLD.length()), e.getValue());
                return true;
            }
            return false;
        });
        for (WebhookSubscriptions.Subscription sub : all) {
            String current = ids.get(sub.topic());
            if (current != null && !current.equals(sub.id()) && recordedBefore.contains(sub.id())) {
                old.putIfAbsent(sub.id(), sub.topic());
            }
        }
        Set<String> subscribedNow = steps.stream()
                .filter(st -> st.step().equals("subscription") && st.succeeded() && !"skipped".equals(st.status()))
                .map(StepOut::topic).collect(Collectors.toSet());
        for (Map.Entry<String, String> e : old.entrySet()) {
            String id = e.getKey();
            String topic = e.getValue();
            if (!subscribedNow.contains(topic)) {
                ids.put(OLD + id, topic); // not before the topic is subscribed at the current URL
                continue;
            }
            Optional<WebhookSubscriptions.Subscription> still = all.stream().filter(sub -> sub.id().equals(id))
                    .findFirst();
            if (still.isEmpty() || id.equals(ids.get(still.get().topic()))) {
                continue; // gone already, or (the URL changed back) the topic's current subscription again
            }
            UpstreamResult<Boolean> r = shopify.deleteWebhookSubscription(tenant, id);
            if (r instanceof UpstreamResult.Ok<Boolean>(Boolean deleted)) {
                steps.add(StepOut.done("old_subscription", topic, deleted ? "deleted" : "gone", id));
            } else {
                steps.add(withId(StepOut.failed("old_subscription", topic, r), id));
                ids.put(OLD + id, topic);
            }
        }
    }

    private static void skipRest(List<StepOut> steps, boolean withDomain, String why) {
        if (withDomain) {
            steps.add(StepOut.skipped("shop_domain", null, why));
        }
        for (String topic : SHOPIFY_TOPICS) {
            steps.add(StepOut.skipped("subscription", topic, why));
        }
    }

    // --- helpers ----------------------------------------------------------------------------------------------------

    /** What one provider's connect did, and the upstream ids to keep. */
    private record Outcome(ConnectOut.ProviderOut out, Map<String, String> ids) {
    }

    private void record(ResolvedTenant tenant, Provider provider, Outcome o, URI url) {
        boolean ok = o.out().ok();
        Optional<String> reason = o.out().steps().stream().filter(st -> !st.succeeded()).findFirst()
                .map(StepOut::summary);
        store.record(tenant.id(), provider, ok ? ConnectionStatus.OK : ConnectionStatus.BROKEN, reason, o.ids(),
                     url.toString(), ok);
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

    private static Optional<Long> integrationId(Map<String, String> ids) {
        String v = ids.get(GORGIAS_ID);
        if (v == null || !v.matches("[0-9]{1,18}")) {
            return Optional.empty();
        }
        return Optional.of(Long.parseLong(v));
    }

    private static StepOut withId(StepOut s, String id) {
        return new StepOut(s.step(), s.topic(), s.status(), id, s.upstreamStatus(), s.retryAfterSeconds(), s.detail());
    }

    private static String name(ResolvedTenant tenant) {
        return "Tollgate (" + tenant.tenant().slug() + ")";
    }

    private static boolean sameUrl(String a, URI b) {
        return strip(a).equalsIgnoreCase(strip(b.toString()));
    }

    private static String strip(String url) {
        String u = url.strip();
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        return u;
    }
}
