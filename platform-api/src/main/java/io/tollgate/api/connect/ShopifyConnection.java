package io.tollgate.api.connect;

import io.tollgate.api.shopify.ShopifyClient;
import io.tollgate.api.shopify.WebhookSubscriptions;
import io.tollgate.api.upstream.UpstreamResult;
import io.tollgate.tenant.ResolvedTenant;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A tenant's Shopify connection: a webhook subscription per topic of {@link #TOPICS} at the tenant's Shopify URL. A
 * connect checks the access token and that the shop's {@code myshopifyDomain} is the tenant's {@code shop_domain}
 * (subscribing another shop's webhooks to this tenant would be worse than nothing), then subscribes each topic unless
 * it already is. Recorded as {@code {"<TOPIC>": "<gid>", ...}}, plus {@code old:<gid>} → topic for a subscription at
 * an earlier URL still to be deleted.
 */
public final class ShopifyConnection implements ProviderConnection {
    /** The webhook topics the worker handles from the shop's orders and the app's lifecycle. */
    static final List<String> TOPICS = List.of("ORDERS_CREATE", "ORDERS_UPDATED", "ORDERS_FULFILLED",
                                               "CUSTOMERS_UPDATE", "APP_UNINSTALLED");
    /**
     * Recorded-ids key prefix of a Shopify subscription at an earlier URL still to be deleted upstream:
     * {@code old:<subscription id>} → topic (keyed by id, so several pending for one topic are all kept).
     */
    static final String OLD = "old:";

    private final ShopifyClient shopify;

    public ShopifyConnection(ShopifyClient shopify) {
        this.shopify = Objects.requireNonNull(shopify, "shopify");
    }

    @Override
    public Outcome connect(ResolvedTenant tenant, URI url, Map<String, String> recorded) {
        Map<String, String> ids = new LinkedHashMap<>(recorded);
        // the subscriptions Tollgate had recorded per topic (not those pending deletion, keyed old:<id>)
        Set<String> recordedBefore = ids.entrySet().stream().filter(e -> !e.getKey().startsWith(OLD))
                .map(Map.Entry::getValue).collect(Collectors.toUnmodifiableSet());
        List<StepOut> steps = new ArrayList<>();
        if (!tenant.shopify().enabled()) {
            steps.add(StepOut.skipped("verify_token", null, "the shop uninstalled the app (shopify.disabled_at); "
                    + "PATCH the tenant with the new access token first"));
            skipRest(steps, true, "the access token was not verified");
            return new Outcome(steps, ids);
        }
        UpstreamResult<String> domain = shopify.shopDomain(tenant);
        if (!(domain instanceof UpstreamResult.Ok<String>(String shop))) {
            steps.add(StepOut.failed("verify_token", null, domain));
            skipRest(steps, true, "the access token was not verified");
            return new Outcome(steps, ids);
        }
        steps.add(StepOut.done("verify_token", "ok"));
        String expected = tenant.shopify().shopDomain().toLowerCase(Locale.ROOT);
        if (!shop.equals(expected)) {
            steps.add(StepOut.failed("shop_domain", null, "the access token is for " + shop + ", not " + expected
                    + "; fix shopify.shop_domain or shopify.access_token"));
            skipRest(steps, false, "the shop is not the tenant's");
            return new Outcome(steps, ids);
        }
        steps.add(StepOut.done("shop_domain", "ok"));
        UpstreamResult<List<WebhookSubscriptions.Subscription>> listed = shopify.webhookSubscriptions(tenant, TOPICS);
        if (!(listed instanceof UpstreamResult.Ok<List<WebhookSubscriptions.Subscription>>(
                List<WebhookSubscriptions.Subscription> all))) {
            for (String topic : TOPICS) {
                steps.add(StepOut.failed("subscription", topic, listed));
            }
            return new Outcome(steps, ids);
        }
        for (String topic : TOPICS) {
            Optional<WebhookSubscriptions.Subscription> existing = all.stream()
                    .filter(sub -> sub.topic().equals(topic) && sub.url() != null
                            && sameUrl(sub.url(), url.toString()))
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
        return new Outcome(steps, ids);
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
            StepOut step = StepOut.deleted("old_subscription", topic, id,
                                           shopify.deleteWebhookSubscription(tenant, id));
            steps.add(step);
            if (!step.succeeded()) {
                ids.put(OLD + id, topic);
            }
        }
    }

    private static void skipRest(List<StepOut> steps, boolean withDomain, String why) {
        if (withDomain) {
            steps.add(StepOut.skipped("shop_domain", null, why));
        }
        for (String topic : TOPICS) {
            steps.add(StepOut.skipped("subscription", topic, why));
        }
    }

    /** Every recorded subscription, the current ones and those at an earlier URL; none once the shop uninstalled. */
    @Override
    public List<StepOut> disconnect(ResolvedTenant tenant, Map<String, String> recorded) {
        List<StepOut> steps = new ArrayList<>();
        for (Map.Entry<String, String> e : recorded.entrySet()) {
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
            steps.add(StepOut.deleted(step, topic, id, shopify.deleteWebhookSubscription(tenant, id)));
        }
        return steps;
    }

    /**
     * Every topic of {@link #TOPICS} is subscribed at the tenant's URL and none is left at an earlier one: one page of
     * subscriptions.
     */
    @Override
    public Finding check(ResolvedTenant tenant, ConnectionStore.Due d) {
        if (!tenant.shopify().enabled()) {
            return Finding.broken("the shop uninstalled the app; PATCH the tenant with a new access token and "
                                          + "connect again");
        }
        if (d.webhookUrl().isEmpty()) {
            return Finding.broken("no Shopify subscriptions are recorded; connect again");
        }
        UpstreamResult<List<WebhookSubscriptions.Subscription>> r = shopify.webhookSubscriptions(tenant, TOPICS);
        if (!(r instanceof UpstreamResult.Ok<List<WebhookSubscriptions.Subscription>>(
                List<WebhookSubscriptions.Subscription> all))) {
            return Finding.of(r, "listing webhook subscriptions");
        }
        String url = d.webhookUrl().get();
        List<String> missing = TOPICS.stream()
                .filter(t -> all.stream().noneMatch(s -> s.topic().equals(t) && s.url() != null
                        && sameUrl(s.url(), url)))
                .toList();
        if (!missing.isEmpty()) {
            return Finding.broken("webhook subscription(s) missing: " + String.join(", ", missing) + "; connect again");
        }
        long earlier = d.upstreamIds().keySet().stream().filter(k -> k.startsWith(OLD)).count();
        return earlier == 0 ? Finding.ok()
                : Finding.broken(earlier + " subscription(s) at an earlier URL could not be deleted yet (Shopify posts "
                                         + "those events twice); connect again");
    }

    /** The same URL but for case and trailing slashes. */
    private static boolean sameUrl(String a, String b) {
        return strip(a).equalsIgnoreCase(strip(b));
    }

    private static String strip(String url) {
        String u = url.strip();
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        return u;
    }
}
