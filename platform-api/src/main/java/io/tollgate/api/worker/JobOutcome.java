package io.tollgate.api.worker;

import java.time.Instant;
import java.util.Objects;

/** What became of one run of a job; {@link JobQueue#complete} records it. */
public sealed interface JobOutcome {
    /** Finished: the job is done and its event processed. */
    record Done() implements JobOutcome {
    }

    /** Failed for now: run again at {@code at}; {@code reason} is kept as the job's last error. */
    record Retry(Instant at, String reason) implements JobOutcome {
        public Retry {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Failed for good (permanent failure, or the retry budget spent): the job and its event are dead. */
    record Dead(String reason) implements JobOutcome {
        public Dead {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
