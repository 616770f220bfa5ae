package io.tollgate.api.observe;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerResponse;

import java.lang.System.Logger.Level;
import java.util.List;

/**
 * Health on the public port when operators have a listener of their own ({@code TOLLGATE_ADMIN_PORT}): the same
 * checks and paths as the health observer there ({@code /observe/health}, {@code /ready}, {@code /live},
 * {@code /started}), answered with the status alone, {@code {"status":"UP"}} (200) or {@code {"status":"DOWN"}}
 * (503). Pool sizes, queue depths and the database's own account of what ingress waits for stay on the admin port.
 */
public final class PublicHealth implements HttpService {
    private static final System.Logger LOG = System.getLogger(PublicHealth.class.getName());

    private final List<HealthCheck> checks;

    public PublicHealth(List<HealthCheck> checks) {
        this.checks = List.copyOf(checks);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", (req, res) -> answer(res, checks))
                .get("/ready", (req, res) -> answer(res, of(HealthCheckType.READINESS)))
                .get("/live", (req, res) -> answer(res, of(HealthCheckType.LIVENESS)))
                .get("/started", (req, res) -> answer(res, of(HealthCheckType.STARTUP)));
    }

    private List<HealthCheck> of(HealthCheckType type) {
        return checks.stream().filter(c -> c.type() == type).toList();
    }

    private static void answer(ServerResponse res, List<HealthCheck> checks) {
        boolean up = true;
        for (HealthCheck check : checks) {
            try {
                up &= check.call().status() == HealthCheckResponse.Status.UP;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "health check " + check.name() + " failed: " + e.getClass().getSimpleName());
                up = false;
            }
        }
        res.status(up ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503);
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.headers().contentType(MediaTypes.APPLICATION_JSON);
        res.send(up ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}");
    }
}
