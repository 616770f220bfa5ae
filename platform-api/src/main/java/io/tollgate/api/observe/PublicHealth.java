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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Health on the public port when operators have a listener of their own ({@code TOLLGATE_ADMIN_PORT}): the same
 * checks and paths as the health observer there ({@code /observe/health}, {@code /ready}, {@code /live},
 * {@code /started}), answered with the status alone, {@code {"status":"UP"}} (200) or {@code {"status":"DOWN"}}
 * (503). Pool sizes, queue depths and the database's own account of what ingress waits for stay on the admin port.
 *
 * <p>Anyone can call these paths, so no call of theirs reaches the database: each check's result is kept for
 * {@link #FRESH} and refreshed by one caller at a time while the others answer the last result. A flood of health
 * requests costs the admin pool at most one ping per check per second, and the kubelet's probes are answered
 * at once whatever the flood.
 */
public final class PublicHealth implements HttpService {
    private static final System.Logger LOG = System.getLogger(PublicHealth.class.getName());

    /** How long a check's result is reused. */
    static final Duration FRESH = Duration.ofSeconds(1);

    private final List<Cached> checks;

    public PublicHealth(List<HealthCheck> checks) {
        this.checks = checks.stream().map(Cached::new).toList();
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", (req, res) -> answer(res, checks))
                .get("/ready", (req, res) -> answer(res, of(HealthCheckType.READINESS)))
                .get("/live", (req, res) -> answer(res, of(HealthCheckType.LIVENESS)))
                .get("/started", (req, res) -> answer(res, of(HealthCheckType.STARTUP)));
    }

    private List<Cached> of(HealthCheckType type) {
        return checks.stream().filter(c -> c.check.type() == type).toList();
    }

    private static void answer(ServerResponse res, List<Cached> checks) {
        boolean up = true;
        for (Cached check : checks) {
            up &= check.up();
        }
        res.status(up ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503);
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.headers().contentType(MediaTypes.APPLICATION_JSON);
        res.send(up ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}");
    }

    /** One check's last result, refreshed by one caller at a time once older than {@link #FRESH}. */
    private static final class Cached {
        private final HealthCheck check;
        private final ReentrantLock refreshing = new ReentrantLock();
        private volatile boolean up;
        private volatile long at = Long.MIN_VALUE;

        Cached(HealthCheck check) {
            this.check = check;
        }

        boolean up() {
            if (fresh()) {
                return up;
            }
            // the first answer waits for a result; later ones answer the last result while one caller refreshes
            if (at == Long.MIN_VALUE) {
                refreshing.lock();
            } else if (!refreshing.tryLock()) {
                return up;
            }
            try {
                if (!fresh()) {
                    up = call();
                    at = System.nanoTime();
                }
                return up;
            } finally {
                refreshing.unlock();
            }
        }

        private boolean fresh() {
            long last = at;
            return last != Long.MIN_VALUE && System.nanoTime() - last < FRESH.toNanos();
        }

        private boolean call() {
            try {
                return check.call().status() == HealthCheckResponse.Status.UP;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "health check " + check.name() + " failed: " + e.getClass().getSimpleName());
                return false;
            }
        }
    }
}
