package io.tollgate.api.observe;

import java.time.Duration;

/**
 * What ingress's database work looks like right now, as the health check reads it. The composition root fills it
 * from ingress's own bookkeeping, so this package needs nothing from ingress.
 *
 * @param queued         deliveries waiting for the group-commit writers
 * @param queueMax       the most that may wait
 * @param statements     other ingress statements running now
 * @param statementsMax  the most that may run at once
 * @param oldest         how long the oldest piece of ingress database work has been running
 * @param refused        deliveries refused at once since start (a bound was reached)
 * @param recentTrouble  true when a delivery was refused, or answered late, for want of the database within the
 *                       last {@code troubleWindow}
 * @param troubleWindow  how long such a refusal keeps ingress reported as saturated
 */
public record IngressLoad(int queued, int queueMax, int statements, int statementsMax, Duration oldest, long refused,
                          boolean recentTrouble, Duration troubleWindow) {
    /**
     * True when some work has been running longer than {@code stuckAfter}, the writers' queue is full, or deliveries
     * were refused for want of the database within the last {@link #troubleWindow()}.
     */
    public boolean saturated(Duration stuckAfter) {
        return oldest.compareTo(stuckAfter) > 0 || queued >= queueMax || recentTrouble;
    }
}
