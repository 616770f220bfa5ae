package io.tollgate.api.events;

import io.tollgate.api.http.WireName;

import java.util.Optional;

/** Where a job is in the queue (the {@code jobs.status} column). */
public enum JobStatus implements WireName {
    /** Waiting for its {@code run_at}; then claimable. */
    QUEUED,
    /** Claimed by a worker that holds its lease; taken over when the lease expires. */
    RUNNING,
    /** Finished: no longer a row in {@code jobs}, only what the event keeps of it (the events API's job view). */
    DONE,
    /** The retry budget was spent, or the failure is permanent; an operator can replay it. */
    DEAD;

    public static Optional<JobStatus> fromWire(String value) {
        return WireName.fromWire(JobStatus.class, value);
    }
}
