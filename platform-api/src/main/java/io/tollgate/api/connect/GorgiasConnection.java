package io.tollgate.api.connect;

import io.tollgate.api.gorgias.GorgiasClient;
import io.tollgate.api.gorgias.HttpIntegration;
import io.tollgate.api.upstream.UpstreamResult;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.Secret;

import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A tenant's Gorgias connection: one HTTP integration that posts the account's ticket events to the tenant's Gorgias
 * URL with the current {@code X-Tollgate-Token}. A connect checks the credentials with a cheap read, then lists the
 * account's HTTP integrations and leaves Tollgate's (the one recorded earlier, else one that already posts to the
 * tenant's URL) alone when it is as it should be, updates it when not, and creates one only when there is none: so a
 * second connect never adds a second integration. Recorded as {@code {"integration": "<id>"}}.
 */
public final class GorgiasConnection implements ProviderConnection {
    /** The recorded-ids key of the integration's id. */
    static final String INTEGRATION_ID = "integration";

    private final GorgiasClient gorgias;
    private final Clock clock;

    public GorgiasConnection(GorgiasClient gorgias, Clock clock) {
        this.gorgias = Objects.requireNonNull(gorgias, "gorgias");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public Outcome connect(ResolvedTenant tenant, URI url, Map<String, String> recorded) {
        Map<String, String> ids = new LinkedHashMap<>(recorded);
        List<StepOut> steps = new ArrayList<>();
        UpstreamResult<Boolean> verified = gorgias.verifyCredentials(tenant);
        if (!(verified instanceof UpstreamResult.Ok<Boolean>)) {
            steps.add(StepOut.failed("verify_credentials", null, verified));
            steps.add(StepOut.skipped("integration", null, "the credentials were not verified"));
            return new Outcome(steps, ids);
        }
        steps.add(StepOut.done("verify_credentials", "ok"));
        List<Secret> secrets = tenant.verifyingSecrets(Provider.GORGIAS, clock.instant());
        if (secrets.isEmpty()) {
            steps.add(StepOut.failed("integration", null, "the tenant has no valid Gorgias webhook secret; rotate it"));
            return new Outcome(steps, ids);
        }
        String token = secrets.getFirst().reveal();
        UpstreamResult<List<HttpIntegration>> listed = gorgias.httpIntegrations(tenant);
        if (!(listed instanceof UpstreamResult.Ok<List<HttpIntegration>>(List<HttpIntegration> all))) {
            steps.add(StepOut.failed("integration", null, listed));
            return new Outcome(steps, ids);
        }
        Optional<Long> known = integrationId(ids);
        Optional<HttpIntegration> ours = known.flatMap(id -> all.stream().filter(i -> i.id() == id).findFirst())
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
                    : StepOut.failed("integration", null, r).withId(Long.toString(ours.get().id()));
        } else {
            UpstreamResult<Long> r = gorgias.createHttpIntegration(tenant, name(tenant), url, token);
            step = r instanceof UpstreamResult.Ok<Long>(Long id) ? StepOut.done("integration", null, "created",
                                                                                 id.toString())
                    : StepOut.failed("integration", null, r);
        }
        if (step.succeeded()) {
            ids.put(INTEGRATION_ID, step.id());
            if (others > 0) {
                step = new StepOut(step.step(), null, step.status(), step.id(), null, null, others
                        + " other HTTP integration(s) of this Gorgias account also post to this URL; Tollgate left"
                        + " them as they are (remove them in Gorgias to stop duplicate deliveries)");
            }
        }
        steps.add(step);
        return new Outcome(steps, ids);
    }

    /**
     * After the tenant's Gorgias secret was rotated to {@code token}: sets the {@code X-Tollgate-Token} header of
     * integration {@code id} (and its URL to {@code url}); failed when it no longer exists.
     */
    StepOut followRotation(ResolvedTenant tenant, long id, URI url, Secret token) {
        UpstreamResult<Optional<HttpIntegration>> found = gorgias.httpIntegration(tenant, id);
        if (!(found instanceof UpstreamResult.Ok<Optional<HttpIntegration>>(Optional<HttpIntegration> existing))) {
            return StepOut.failed("integration", null, found);
        }
        if (existing.isEmpty()) {
            return StepOut.failed("integration", null, "integration " + id + " no longer exists in Gorgias; POST "
                    + "/admin/tenants/" + tenant.tenant().slug() + "/connect to create it again");
        }
        UpstreamResult<Long> updated = gorgias.updateHttpIntegration(tenant, existing.get(), name(tenant), url,
                                                                     token.reveal());
        return updated instanceof UpstreamResult.Ok<Long> ? StepOut.done("integration", null, "updated",
                                                                          Long.toString(id))
                : StepOut.failed("integration", null, updated);
    }

    @Override
    public List<StepOut> disconnect(ResolvedTenant tenant, Map<String, String> recorded) {
        return integrationId(recorded).map(id -> List.of(StepOut.deleted("integration", null, id.toString(),
                                                                         gorgias.deleteHttpIntegration(tenant, id))))
                .orElse(List.of());
    }

    /**
     * The integration exists, is active, posts to the tenant's URL with a current {@code X-Tollgate-Token}, both
     * triggers and the current body template ({@link HttpIntegration#FORM}; an older one, such as the string
     * {@code {{context}}} earlier versions created, is "form outdated"): one GET.
     */
    @Override
    public Finding check(ResolvedTenant tenant, ConnectionStore.Due d) {
        Optional<Long> recorded = integrationId(d.upstreamIds());
        if (recorded.isEmpty() || d.webhookUrl().isEmpty()) {
            return Finding.broken("no Gorgias integration is recorded; connect again");
        }
        long id = recorded.get();
        UpstreamResult<Optional<HttpIntegration>> r = gorgias.httpIntegration(tenant, id);
        if (!(r instanceof UpstreamResult.Ok<Optional<HttpIntegration>>(Optional<HttpIntegration> found))) {
            return Finding.of(r, "reading integration " + id);
        }
        if (found.isEmpty()) {
            return Finding.broken("integration " + id + " no longer exists in Gorgias; connect again");
        }
        HttpIntegration i = found.get();
        URI url = URI.create(d.webhookUrl().get());
        List<Secret> secrets = tenant.verifyingSecrets(Provider.GORGIAS, clock.instant());
        if (secrets.stream().anyMatch(s -> i.matches(url, s.reveal()))) {
            return Finding.ok();
        }
        List<String> why = new ArrayList<>();
        if (i.deactivated()) {
            why.add("deactivated");
        }
        if (!i.pointsAt(url)) {
            why.add("posts to another URL");
        }
        if (!i.triggers().containsAll(HttpIntegration.TRIGGERS)) {
            why.add("triggers missing (needs " + String.join(", ", HttpIntegration.TRIGGERS) + ")");
        }
        if (!i.formCurrent()) {
            why.add("form outdated (not the body template this Tollgate sends)");
        }
        if (why.isEmpty()) {
            why.add("its method, content type or " + HttpIntegration.TOKEN_HEADER + " header was changed");
        }
        return Finding.broken("integration " + id + " " + String.join("; ", why) + "; connect again");
    }

    /** The recorded integration's id, if a valid one is on record. */
    static Optional<Long> integrationId(Map<String, String> ids) {
        String v = ids.get(INTEGRATION_ID);
        if (v == null || !v.matches("[0-9]{1,18}")) {
            return Optional.empty();
        }
        return Optional.of(Long.parseLong(v));
    }

    private static String name(ResolvedTenant tenant) {
        return "Tollgate (" + tenant.tenant().slug() + ")";
    }
}
