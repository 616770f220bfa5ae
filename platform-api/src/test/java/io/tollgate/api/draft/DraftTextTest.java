package io.tollgate.api.draft;

import io.tollgate.api.orders.OrderFacts;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class DraftTextTest {
    @Test
    void datesAreWrittenInEnglishInUtc() {
        assertThat(DraftText.date(Instant.parse("2024-03-12T23:30:00-02:00"))).isEqualTo("March 13, 2024");
        assertThat(DraftText.date(null)).isNull();
    }

    @Test
    void anOrderIsLabelledByItsNameElseItsNumber() {
        assertThat(DraftText.label(order("  #1001\n", 1001))).isEqualTo("#1001");
        assertThat(DraftText.label(order(" ", 1002))).isEqualTo("#1002");
        assertThat(DraftText.label(order(null, 0))).isNull();
    }

    @Test
    void cleanFlattensAndCutsOneLine() {
        assertThat(DraftText.clean(" a\u202E\nb\t\tc ", 40)).isEqualTo("a b c");
        assertThat(DraftText.clean("abcdefghij", 5)).isEqualTo("abcd\u2026");
        assertThat(DraftText.clean("\n\t", 5)).isNull();
    }

    @Test
    void onlyAbsoluteWebUrlsAreLinksAndHtmlIsEscaped() {
        assertThat(DraftText.isWebLink("https://track.example/1")).isTrue();
        assertThat(DraftText.isWebLink("javascript:alert(1)")).isFalse();
        assertThat(DraftText.isWebLink("/relative")).isFalse();
        assertThat(DraftText.escape("<a href=\"x\">&'")).isEqualTo("&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }

    private static OrderFacts order(String name, long number) {
        return new OrderFacts("1", name, number, null, null, null, null, null, null, null);
    }
}
