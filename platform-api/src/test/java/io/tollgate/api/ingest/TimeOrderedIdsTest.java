package io.tollgate.api.ingest;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class TimeOrderedIdsTest {
    @Test
    void areVersion7VariantRfcUniqueAndOrderedByMillisecond() throws Exception {
        UUID first = TimeOrderedIds.next();
        assertThat(first.version()).isEqualTo(7);
        assertThat(first.variant()).isEqualTo(2);
        long ms = first.getMostSignificantBits() >>> 16;
        assertThat(ms).isBetween(System.currentTimeMillis() - 1_000, System.currentTimeMillis());
        Set<UUID> seen = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            assertThat(seen.add(TimeOrderedIds.next())).isTrue();
        }
        Thread.sleep(3);
        UUID later = TimeOrderedIds.next();
        // PostgreSQL compares uuids as unsigned bytes; the timestamp leads, so a later id sorts after
        assertThat(Long.compareUnsigned(later.getMostSignificantBits(), first.getMostSignificantBits())).isPositive();
    }
}
