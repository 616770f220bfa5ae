package io.tollgate.api.helpdesk;

import io.tollgate.api.Growth;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.function.IntFunction;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Customer text is hostile (issue 15, finding 1): reading the text of a message that has only HTML takes time linear
 * in the HTML, whatever it holds. {@link Growth} compares 1k, 10k and 100k characters; {@link Replies} reads
 * {@code body_html} uncut, so each size is measured as it is (checked below).
 */
class AdversarialHtmlTest {

    static Stream<Arguments> killers() {
        return Stream.of(
                killer("'<' repeated", n -> "<".repeat(n)),
                killer("'<a' repeated", n -> "<a".repeat(n / 2)),
                killer("'<' and blanks", n -> "< ".repeat(n / 2)),
                killer("one '<' and a long text", n -> "<" + "x".repeat(n)),
                killer("'<' repeated, then one '>'", n -> "<".repeat(n) + ">"),
                killer("many small tags", n -> "<b>1</b>".repeat(n / 8)),
                killer("a run of blanks", n -> "x" + " \t\r\n".repeat(n / 4) + "x"),
                killer("'>' repeated", n -> ">".repeat(n)));
    }

    private static Arguments killer(String name, IntFunction<String> input) {
        return Arguments.of(name, input);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("killers")
    void readingAnHtmlOnlyMessageGrowsLinearly(String name, IntFunction<String> input) {
        Growth.assertLinear("Replies, body_html: " + name, n -> GorgiasBodies.htmlOnly(input.apply(n)),
                            Replies::decide);
    }

    @Test
    void tagsBecomeOneSpaceAndAnUnclosedTagStaysText() {
        assertThat(text("<p>Where is <b>order</b>\n\n #1002?</p>")).isEqualTo("Where is order #1002?");
        assertThat(text("a < b and <i>c</i>")).as("from '<' to the next '>' is a tag, as before")
                .isEqualTo("a c");
        assertThat(text("1 < 2, so #1002 <")).as("no '>' after a '<': the rest is text")
                .isEqualTo("1 < 2, so #1002 <");
        assertThat(text("<br><br>  ")).isEmpty();
    }

    @Test
    void theHtmlIsReadUncut() {
        String big = "x".repeat(Growth.SIZES[Growth.SIZES.length - 1]);
        assertThat(text("<p>" + big + "</p>")).as("a bigger input is more work, not the same").isEqualTo(big);
    }

    private static String text(String html) {
        return ((Reply.Answer) Replies.decide(GorgiasBodies.htmlOnly(html))).text();
    }
}
