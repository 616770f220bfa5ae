package io.tollgate.api.worker;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Optional;

/** Where a job is in the queue (the {@code jobs.status} column). */
public enum JobStatus {
    /** Waiting for its {@code run_at}; then claimable. */
    QUEUED("queued"),
    /** Claimed by a worker that holds its lease; taken over when the lease expires. */
    RUNNING("running"),
    DONE("done"),
    /** The retry budget was spent, or the failure is permanent; an operator can replay it. */
    DEAD("dead");

    private final String wire;

    JobStatus(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    /** The value as an SQL string literal (see {@link EventStatus#sql()}). */
    public String sql() {
        return "'" + wire + "'";
    }

    public static Optional<JobStatus> fromWire(String value) {
        for (JobStatus s : values()) {
            if (s.wire.equals(value)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
