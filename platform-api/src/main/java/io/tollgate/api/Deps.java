package io.tollgate.api;

import io.helidon.metrics.api.MeterRegistry;
import io.tollgate.api.config.AppConfig;
import io.tollgate.api.http.RouteTable;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.resolve.TenantResolver;
import io.tollgate.tenant.store.TenantStore;

import java.util.List;

/**
 * What the HTTP services are built from; assembled once in {@link Tollgate#start}. {@code resources} collects what
 * must be closed at shutdown.
 */
public record Deps(AppConfig config, Database db, TenantStore tenants, TenantResolver resolver, MeterRegistry meters,
                   RouteTable routes, List<AutoCloseable> resources) {
}
