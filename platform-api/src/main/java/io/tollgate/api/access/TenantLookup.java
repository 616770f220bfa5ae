package io.tollgate.api.access;

import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.api.http.ApiException;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.Slug;
import io.tollgate.tenant.store.TenantStore;

/**
 * The tenant a {@code /admin/tenants/{slug}/**} route is about, resolved once per request from the {@code slug} path
 * parameter and handed to the route's handler. Mounted through {@link AdminRoutes}, it runs after the scope check: a
 * refused call learns nothing, not even whether the tenant exists. A slug that is not valid, or names no tenant, is
 * a {@code 404 tenant-not-found}. Suspended tenants are found too (operators manage them).
 */
public final class TenantLookup {
    /** A handler of a route under {@code /tenants/{slug}}, given its tenant. */
    @FunctionalInterface
    public interface TenantHandler {
        void handle(ServerRequest req, ServerResponse res, ResolvedTenant tenant) throws Exception;
    }

    private final TenantStore tenants;

    public TenantLookup(TenantStore tenants) {
        this.tenants = tenants;
    }

    /** {@code handler}, given the tenant of the request's path. */
    public Handler of(TenantHandler handler) {
        return (req, res) -> handler.handle(req, res, tenant(req));
    }

    private ResolvedTenant tenant(ServerRequest req) {
        String slug = req.path().pathParameters().get("slug");
        return Slug.parse(slug).flatMap(s -> tenants.findBySlugUnscoped(s.value())).orElseThrow(() -> notFound(slug));
    }

    /** {@code t} as stored now (after a change), or {@code 404} when it is gone. */
    public ResolvedTenant reload(ResolvedTenant t) {
        return tenants.find(t.id()).orElseThrow(() -> notFound(t.tenant().slug()));
    }

    public static ApiException notFound(String slug) {
        return new ApiException.NotFound("tenant-not-found", "No tenant with slug '" + slug + "'.");
    }
}
