package io.tollgate.tenant;

import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventIdTest {
    private static final String TEXT = "01890a5d-ac96-774b-bcce-b302099a8057";

    @Test
    void printsAsItsUuidSoLogsAndMessagesReadAsBefore() {
        EventId id = new EventId(UUID.fromString(TEXT));

        assertThat(id).hasToString(TEXT);
        assertThat("event " + id).isEqualTo("event " + TEXT);
    }

    @Test
    void parsesItsOwnText() {
        EventId id = EventId.parse(TEXT);

        assertThat(id.value()).isEqualTo(UUID.fromString(TEXT));
        assertThat(EventId.parse(id.toString())).isEqualTo(id);
    }

    @Test
    void textThatIsNoUuidIsRefused() {
        assertThatThrownBy(() -> EventId.parse("not-an-id")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void hasAValue() {
        assertThatThrownBy(() -> new EventId(null)).isInstanceOf(NullPointerException.class);
    }
}
