package io.tollgate.api.ingest;

import io.tollgate.api.http.Json;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The acknowledgement written by hand is byte for byte what the JSON mapper writes for {@link IngestService.Ack}. */
class AckJsonTest {
    @Test
    void theHandWrittenAckIsTheMappersAck() {
        for (String status : new String[] {"accepted", "duplicate"}) {
            for (int i = 0; i < 100; i++) {
                UUID id = i == 0 ? new UUID(0, 0) : UUID.randomUUID();
                assertThat(new String(IngestService.ackJson(status, id), java.nio.charset.StandardCharsets.UTF_8))
                        .isEqualTo(new String(Json.write(new IngestService.Ack(status, id)),
                                              java.nio.charset.StandardCharsets.UTF_8));
            }
        }
    }
}
