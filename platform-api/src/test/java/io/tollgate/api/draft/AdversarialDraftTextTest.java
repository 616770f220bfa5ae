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
 * {@link Growth} compares 1k, 10k and 100k characters.
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

    private static Arguments killer(String name, IntFunction<String> input) {
        return Arguments.of(name, input);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("killers")
    void theModelsPromptGrowsLinearlyWithTheCustomersText(String name, IntFunction<String> input) {
        Growth.assertLinear("LlmDraftWriter.userMessage: " + name, input,
                            text -> LlmDraftWriter.userMessage(new DraftRequest(
                                    "Bob", new OrderMatch.NoEmail(null), text, text, "Shop", true, "email"),
                                    "0123456789abcdef"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("killers")
    void cleaningTheModelsAnswerGrowsLinearly(String name, IntFunction<String> input) {
        Growth.assertLinear("LlmDraftWriter.reply: " + name, input, text -> LlmDraftWriter.render(
                LlmDraftWriter.reply("Hi Bob," + text, 1_200)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("killers")
    void cleaningAnOutsideValueForTheTemplateGrowsLinearly(String name, IntFunction<String> input) {
        Growth.assertLinear("TemplateDraftWriter.clean: " + name, input, text -> TemplateDraftWriter.clean(text, 80));
    }

    @Test
    void trailingBlanksGoAndLineBreaksStay() {
        assertThat(LlmDraftWriter.plain("Hi Bob,   \nyour order\u00A0 \n\n\n  shipped.  "))
                .isEqualTo("Hi Bob,\nyour order\n\nshipped.");
        assertThat(LlmDraftWriter.customerText("x" + " ".repeat(100_000) + "y", false))
                .as("cut to the limit").startsWith("x").hasSizeLessThanOrEqualTo(LlmDraftWriter.MAX_CUSTOMER_CHARS);
    }
}
