package io.tollgate.api;

import io.helidon.metrics.api.MeterRegistry;
import io.tollgate.api.config.AppConfig;
import io.tollgate.api.http.RouteTable;
import io.tollgate.api.ingest.DatabaseLoad;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.resolve.TenantResolver;
import io.tollgate.tenant.store.TenantStore;

import io.tollgate.api.observe.IngressMetrics;

import java.util.List;

/**
 * What the HTTP services are built from; assembled once in {@link Tollgate#start}. {@code resources} collects what
 * must be closed at shutdown. {@code db} and {@code tenants} serve ingress and background work; the admin API has
 * its own pool ({@code admin}), so it keeps answering while ingress holds every connection of the main one.
 * {@code ingressLoad} bounds ingress's database work and tells the health check about it.
 */
public record Deps(AppConfig config, Database db, TenantStore tenants, TenantResolver resolver, MeterRegistry meters,
                   RouteTable routes, List<AutoCloseable> resources, Admin admin, DatabaseLoad ingressLoad,
                   IngressMetrics ingressMetrics) {
    /** The admin API's own pool, and the tenant store over it. */
    public record Admin(Database db, TenantStore tenants) {
    }
}
