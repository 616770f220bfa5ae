package io.tollgate.api.orders;

import io.tollgate.api.Growth;
import io.tollgate.api.shopify.ShopifySamples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.IntFunction;
import java.util.stream.Stream;

import static io.tollgate.api.shopify.ShopifySamples.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Customer text is hostile (issue 15, finding 1): whatever a customer writes in a ticket's subject or message, the
 * order matcher's time grows linearly with it. Each input is one of the known killers of backtracking patterns,
 * built to about n characters, and {@link Growth} compares the time at n and 10n. The matcher shortens runs of blanks
 * and cuts the subject at {@link OrderMatcher#MAX_SUBJECT} and the message at {@link OrderMatcher#MAX_MESSAGE}, and
 * past a cut a bigger input is the same work: so the patterns are measured on uncut text
 * ({@link OrderMatcher#matchText}, 1k to 100k), and {@link OrderMatcher#match} with messages below the cut.
 */
class AdversarialTextTest {
    private static final OrderMatcher MATCHER = new OrderMatcher();
    /** Bob's orders and one whose merchant-written name is a run of one letter (the worst case for finding names). */
    private static final List<OrderFacts> ORDERS = withOddName();

    private static List<OrderFacts> withOddName() {
        List<OrderFacts> orders = new ArrayList<>(ShopifySamples.bobsOrders());
        orders.add(ShopifySamples.bobsOrder("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 1004,
                                            "2020-01-01T00:00:00Z"));
        return List.copyOf(orders);
    }

    static Stream<Arguments> killers() {
        return Stream.of(
                killer("'order' and blanks without a digit", n -> "order" + " ".repeat(n)),
                killer("'order no.' and mixed blanks without a digit", n -> "Order no." + " \t\u00A0\u2003".repeat(n / 4) + "x"),
                killer("'order: #' and blanks without a digit", n -> "order:" + " ".repeat(n / 2) + "#" + " ".repeat(n / 2)),
                killer("'order ' repeated", n -> "order ".repeat(n / 6)),
                killer("'orders number ' repeated", n -> "orders number ".repeat(n / 14)),
                killer("'#' repeated", n -> "#".repeat(n)),
                killer("'# ' repeated", n -> "# ".repeat(n / 2)),
                killer("'#' and blanks", n -> "#" + " ".repeat(n)),
                killer("a run of digits", n -> "1".repeat(n)),
                killer("'#' and a run of digits", n -> "#" + "9".repeat(n)),
                killer("digits separated by single blanks", n -> "1 ".repeat(n / 2)),
                killer("digits separated by hyphens", n -> "12-".repeat(n / 3)),
                killer("digits and decimal points", n -> "1.".repeat(n / 2)),
                killer("digits and currency words", n -> "1 usd ".repeat(n / 6)),
                killer("'<' repeated", n -> "<".repeat(n)),
                killer("a run of the letter an order's name is made of", n -> "a".repeat(n)),
                killer("line breaks and blanks", n -> "order\n \r\n\t".repeat(n / 10)));
    }

    private static Arguments killer(String name, IntFunction<String> input) {
        return Arguments.of(name, input);
    }

    /** Message sizes below the message's cut, ten times apart. */
    private static final int[] BELOW_MESSAGE_CUT = {OrderMatcher.MAX_MESSAGE / 100 - 10,
                                                    OrderMatcher.MAX_MESSAGE / 10 - 100,
                                                    OrderMatcher.MAX_MESSAGE - 1_000};

    @ParameterizedTest(name = "{0}, uncut")
    @MethodSource("killers")
    void matchingUncutTextGrowsLinearly(String name, IntFunction<String> input) {
        Growth.assertLinear("OrderMatcher, uncut text: " + name, input,
                            text -> OrderMatcher.matchText(BOB, text, ORDERS));
    }

    @ParameterizedTest(name = "{0}, in the message")
    @MethodSource("killers")
    void matchingAMessageGrowsLinearly(String name, IntFunction<String> input) {
        Growth.assertLinear("OrderMatcher, message: " + name, BELOW_MESSAGE_CUT, input,
                            text -> MATCHER.match(BOB, "Where is my order?", text, ORDERS));
    }

    /**
     * A subject is read like a message (the growth of what reads both is measured above on uncut text), but only up to
     * its cut, which bounds the work a long subject can cost.
     */
    @Test
    void aSubjectIsReadUpToItsCutAndNoFurther() {
        String filler = "x".repeat(OrderMatcher.MAX_SUBJECT - 20);
        assertThat(MATCHER.match(BOB, filler + " order #1002", "Hello", ORDERS))
                .as("within the cut").isEqualTo(new OrderMatch.Matched(ShopifySamples.bobsOrders().stream()
                        .filter(o -> o.number() == 1002).findFirst().orElseThrow(), OrderMatch.How.NAMED));
        assertThat(MATCHER.match(BOB, filler + "x".repeat(40) + " order #1002", "Hello", ORDERS))
                .as("past the cut").isInstanceOfSatisfying(OrderMatch.Matched.class,
                        m -> assertThat(m.how()).isEqualTo(OrderMatch.How.MOST_RECENT));
    }

    /** A run given up at its deadline is interrupted: reading its customer's text stops instead of going on. */
    @Test
    void matchingStopsOnceItsThreadIsInterrupted() {
        String text = "Where is my order? " + "order ".repeat(10_000) + "#1002";
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> OrderMatcher.matchText(BOB, text, ORDERS))
                    .isInstanceOf(CancellationException.class);
        } finally {
            Thread.interrupted();
        }
        assertThat(OrderMatcher.matchText(BOB, text, ORDERS)).as("not interrupted, it reads to the end")
                .isInstanceOf(OrderMatch.Matched.class);
    }

    @Test
    void anOrderNumberAfterAFloodOfBlanksIsStillFound() {
        String text = "Hi, my" + " ".repeat(50_000) + "order #1002 did not arrive";

        assertThat(MATCHER.match(BOB, null, text, ORDERS))
                .as("a run of blanks counts as one gap, so what follows it is still read")
                .isInstanceOf(OrderMatch.Matched.class)
                .extracting(m -> ((OrderMatch.Matched) m).order().name()).isEqualTo("#1002");
    }
}
