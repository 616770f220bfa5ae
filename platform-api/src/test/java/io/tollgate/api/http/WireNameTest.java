package io.tollgate.api.http;

import io.tollgate.api.events.EventStatus;
import io.tollgate.api.events.JobStatus;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class WireNameTest {
    @Test
    void statusesKeepTheirWireNamesInJsonAndSql() throws Exception {
        assertThat(Json.MAPPER.writeValueAsString(EventStatus.PROCESSING)).isEqualTo("\"processing\"");
        assertThat(Json.MAPPER.writeValueAsString(JobStatus.QUEUED)).isEqualTo("\"queued\"");
        assertThat(EventStatus.REJECTED.wire()).isEqualTo("rejected");
        assertThat(JobStatus.DEAD.sql()).isEqualTo("'dead'");
        assertThat(EventStatus.ACCEPTED.sql()).isEqualTo("'accepted'");
    }

    @Test
    void fromWireTakesOnlyTheExactName() {
        assertThat(WireName.fromWire(EventStatus.class, "skipped")).contains(EventStatus.SKIPPED);
        assertThat(EventStatus.fromWire("dead")).contains(EventStatus.DEAD);
        assertThat(JobStatus.fromWire("running")).contains(JobStatus.RUNNING);
        assertThat(JobStatus.fromWire("DONE")).isEmpty();
        assertThat(JobStatus.fromWire(" done")).isEmpty();
        assertThat(EventStatus.fromWire("queued")).isEmpty();
        assertThat(EventStatus.fromWire(null)).isEqualTo(Optional.empty());
    }
}
