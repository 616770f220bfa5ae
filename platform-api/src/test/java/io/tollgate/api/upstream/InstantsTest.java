package io.tollgate.api.upstream;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class InstantsTest {
    private static final Instant NOON = Instant.parse("2024-03-12T12:00:00Z");

    @Test
    void readsOffsetsAndUtc() {
        assertThat(Instants.parse("2024-03-12T13:00:00+01:00")).isEqualTo(NOON);
        assertThat(Instants.parse("2024-03-12T12:00:00Z")).isEqualTo(NOON);
        assertThat(Instants.parseUtc("2024-03-12T07:00:00-05:00")).isEqualTo(NOON);
    }

    @Test
    void aTimeWithoutOffsetIsUtcOnlyWhereAskedFor() {
        assertThat(Instants.parse("2024-03-12T12:00:00")).isNull();
        assertThat(Instants.parseUtc("2024-03-12T12:00:00")).isEqualTo(NOON);
        assertThat(Instants.parseUtc("2024-03-12T12:00:00.250")).isEqualTo(NOON.plusMillis(250));
    }

    @Test
    void whatDoesNotParseIsNull() {
        assertThat(Instants.parse(null)).isNull();
        assertThat(Instants.parseUtc(null)).isNull();
        assertThat(Instants.parse("yesterday")).isNull();
        assertThat(Instants.parseUtc("2024-13-40T99:00:00")).isNull();
        assertThat(Instants.parseUtc("")).isNull();
    }
}
