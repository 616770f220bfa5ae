package io.tollgate.api.draft;

import io.tollgate.api.Growth;
import io.tollgate.api.orders.OrderMatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.function.IntFunction;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Customer text is hostile (issue 15, finding 1): preparing the customer's subject and message for the model, cleaning
 * outside values for the template, and cleaning the model's answer all take time linear in the text.
 * {@link Growth} compares the time at n and 10n characters, always below the cuts the code makes (past a cut a bigger
 * input is the same work): the customer's text for the model is cut at 16 times
 * {@link LlmPrompt#MAX_CUSTOMER_CHARS} before it is cleaned, so it is measured up to 30k; the model's answer is
 * cleaned uncut (1k to 100k); a value for the template is cleaned from a prefix of 16 times what is kept, so it is
 * measured with a limit that cuts nothing.
 */
class AdversarialDraftTextTest {

    static Stream<Arguments> killers() {
        return Stream.of(
                killer("a run of blanks without a line break", n -> "x" + " ".repeat(n) + "x"),
                killer("a run of no-break spaces without a line break", n -> "x" + "\u00A0".repeat(n) + "x"),
                killer("blanks and a line break at the end", n -> " ".repeat(n) + "\n"),
                killer("a line break and tabs", n -> "\n" + "\t".repeat(n) + "x"),
                killer("line breaks and blanks", n -> "\n \n".repeat(n / 3)),
                killer("carriage returns", n -> "\r".repeat(n)),
                killer("bidi and zero-width characters", n -> "\u202E\u200B\u2066x".repeat(n / 4)),
                killer("control characters", n -> "\u0001\u0007 ".repeat(n / 3)),
                killer("'<' repeated", n -> "<".repeat(n)));
    }

    /** Sizes below the prefix the customer's text is cut to before it is cleaned ({@code 16 * 2,000}). */
    private static final int[] BELOW_CUSTOMER_CUT = {300, 3_000, 30_000};
    /** A limit for {@link DraftText#clean} whose prefix ({@code 16 * max}) cuts none of the inputs. */
    private static final int UNCUT = Growth.SIZES[Growth.SIZES.length - 1] + 1;

    private static Arguments killer(String name, IntFunction<String> input) {
        return Arguments.of(name, input);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("killers")
    void theModelsPromptGrowsLinearlyWithTheCustomersText(String name, IntFunction<String> input) {
        Growth.assertLinear("LlmPrompt.userMessage: " + name, BELOW_CUSTOMER_CUT, input,
                            text -> LlmPrompt.userMessage(new DraftRequest(
                                    "Bob", new OrderMatch.NoEmail(null), text, text, "Shop", true, "email"),
                                    "0123456789abcdef"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("killers")
    void cleaningTheModelsAnswerGrowsLinearly(String name, IntFunction<String> input) {
        Growth.assertLinear("LlmPrompt.reply: " + name, input, text -> LlmPrompt.render(
                LlmPrompt.reply("Hi Bob," + text, 1_200)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("killers")
    void cleaningAnOutsideValueForTheTemplateGrowsLinearly(String name, IntFunction<String> input) {
        Growth.assertLinear("DraftText.clean: " + name, input,
                            text -> DraftText.clean(text, UNCUT));
    }

    @Test
    void theSizesMeasuredAreBelowTheCuts() {
        assertThat(BELOW_CUSTOMER_CUT[BELOW_CUSTOMER_CUT.length - 1])
                .isLessThan(LlmPrompt.MAX_CUSTOMER_CHARS * 16);
        String big = "x".repeat(Growth.SIZES[Growth.SIZES.length - 1]);
        assertThat(DraftText.clean(big, UNCUT)).as("nothing cut").isEqualTo(big);
    }

    @Test
    void trailingBlanksGoAndLineBreaksStay() {
        assertThat(LlmPrompt.plain("Hi Bob,   \nyour order\u00A0 \n\n\n  shipped.  "))
                .isEqualTo("Hi Bob,\nyour order\n\nshipped.");
        assertThat(LlmPrompt.customerText("x" + " ".repeat(100_000) + "y", false))
                .as("cut to the limit").startsWith("x").hasSizeLessThanOrEqualTo(LlmPrompt.MAX_CUSTOMER_CHARS);
    }
}
