package io.tollgate.api.orders;

import io.tollgate.api.shopify.ShopifySamples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.tollgate.api.shopify.ShopifySamples.BOB;
import static org.assertj.core.api.Assertions.assertThat;

class OrderMatcherTest {
    private final OrderMatcher matcher = new OrderMatcher();
    private final List<OrderFacts> orders = ShopifySamples.bobsOrders();

    private OrderFacts order(String name) {
        return orders.stream().filter(o -> name.equals(o.name())).findFirst().orElseThrow();
    }

    @Test
    void anOrderTheCustomerNamesWinsOverTheMostRecentOne() {
        OrderMatch match = matcher.match(BOB, "Where is my stuff?", "Hi, order #1001 still hasn't arrived.", orders);

        assertThat(match).isEqualTo(new OrderMatch.Matched(order("#1001"), OrderMatch.How.NAMED));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "#1002", "# 1002", "order 1002", "Order #1002", "ORDER#1002", "order no. 1002", "Order No 1002",
            "order number: 1002", "order nr. #1002", "orders 1002 and 1003", "about my order (#1002), thanks",
            "My order is 1002.", "1002"})
    void recognisesTheWaysCustomersWriteAnOrderNumber(String text) {
        OrderMatch match = matcher.match(BOB, null, text, orders);

        assertThat(match).isInstanceOf(OrderMatch.Matched.class);
        assertThat(((OrderMatch.Matched) match).order().name()).isEqualTo("#1002");
    }

    @Test
    void aBareNumberThatIsOneOfTheCustomersOrderNumbersMatches() {
        OrderMatch match = matcher.match(BOB, "question", "I got 1002 but the lid was broken", orders);

        assertThat(match).isEqualTo(new OrderMatch.Matched(order("#1002"), OrderMatch.How.NUMBER));
    }

    @Test
    void anExplicitMentionBeatsABareNumberAndTheSubjectIsReadFirst() {
        assertThat(matcher.match(BOB, null, "I have 1001 reasons to complain about #1002", orders))
                .isEqualTo(new OrderMatch.Matched(order("#1002"), OrderMatch.How.NAMED));
        assertThat(matcher.match(BOB, "Re: Order #1001 confirmed", "and what about order #1002?", orders))
                .isEqualTo(new OrderMatch.Matched(order("#1001"), OrderMatch.How.NAMED));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "Call me at 555-1002-44",
            "my phone is +1 555 1002 4411",
            "phone (555) 1002-4411",
            "reach me on 0161 1002, thanks",
            "call 555-1002",
            "I paid $1002 for this",
            "it cost 1002.50",
            "it cost 1,002",
            "total 1002 USD",
            "about 1002 euros",
            "delivered 10/02/1002?",
            "on 1002-03-12",
            "at 10:02, room 1002b",
            "tracking 1Z1002 and 9400 1002 0000",
            "zip 401002",
            "SKU IPOD1002GREEN",
            "a 1002% markup",
            "#1 fan, order 2 more"})
    void numbersThatOnlyLookLikeAnOrderNumberAreIgnored(String text) {
        OrderMatch match = matcher.match(BOB, null, text, orders);

        assertThat(match).isEqualTo(new OrderMatch.Matched(order("#1003"), OrderMatch.How.MOST_RECENT));
    }

    @Test
    void numbersThatAreNoOrderNumberOfThisCustomerNeverMatch() {
        String text = "Bob Norman, Chestnut Street 92, Louisville KY 40202, phone 555-625-1199, paid 409.94 on"
                + " 2008-01-10, tracking 1Z2345, card ending 4242";

        assertThat(matcher.match(BOB, "help", text, orders))
                .isEqualTo(new OrderMatch.Matched(order("#1003"), OrderMatch.How.MOST_RECENT));
    }

    @Test
    void withoutAMentionTheMostRecentOrderIsChosenWhateverTheListOrder() {
        List<OrderFacts> shuffled = new ArrayList<>(orders);
        for (int i = 0; i < shuffled.size(); i++) {
            java.util.Collections.rotate(shuffled, 1);
            assertThat(matcher.match(BOB, "Where is my order?", "It's been two weeks!", shuffled))
                    .isEqualTo(new OrderMatch.Matched(order("#1003"), OrderMatch.How.MOST_RECENT));
        }
    }

    @Test
    void anOrderWithoutACreationTimeCountsAsOldest() {
        OrderFacts undated = new OrderFacts("9", "#1009", 1009, BOB, null, null, null, null, null, null);
        List<OrderFacts> withUndated = new ArrayList<>(orders);
        withUndated.addFirst(undated);

        assertThat(matcher.match(BOB, null, null, withUndated))
                .isEqualTo(new OrderMatch.Matched(order("#1003"), OrderMatch.How.MOST_RECENT));
    }

    @Test
    void noEmailMeansNoLookup() {
        assertThat(matcher.match(null, "order #1002", "hi", orders)).isEqualTo(new OrderMatch.NoEmail("#1002"));
        assertThat(matcher.match("  ", null, "where is it", orders)).isEqualTo(new OrderMatch.NoEmail(null));
    }

    @Test
    void noOrdersIsReportedWithTheOrderTheCustomerMentions() {
        assertThat(matcher.match(BOB, null, "where is it", List.of())).isEqualTo(new OrderMatch.NoOrders(BOB, null));
        assertThat(matcher.match(BOB, null, "where is #1099", null)).isEqualTo(new OrderMatch.NoOrders(BOB, "#1099"));
    }

    @Test
    void ordersOfAnotherEmailAreNeverChosen() {
        OrderFacts alice = ShopifySamples.bobsOrder("#2001", 2001, "2025-01-01T00:00:00Z");
        alice = new OrderFacts(alice.id(), alice.name(), alice.number(), "alice@example.com", alice.createdAt(),
                alice.updatedAt(), alice.cancelledAt(), alice.financialStatus(), alice.fulfillmentStatus(),
                alice.tracking());

        assertThat(matcher.match(BOB, null, "where is it", List.of(alice)))
                .isEqualTo(new OrderMatch.NoOrders(BOB, null));
        List<OrderFacts> mixed = new ArrayList<>(orders);
        mixed.add(alice);
        assertThat(matcher.match("BOB.Norman@hostmail.com ", null, "where is order #2001?", mixed))
                .as("alice's order is newer and named, but not bob's; email compared without case")
                .isEqualTo(new OrderMatch.UnknownOrder("#2001", order("#1003")));
    }

    @Test
    void aNamedOrderThatIsNotTheCustomersIsReportedAsUnknown() {
        OrderMatch match = matcher.match(BOB, "Order #1099", "Still waiting!", orders);

        assertThat(match).isEqualTo(new OrderMatch.UnknownOrder("#1099", order("#1003")));
    }

    @Test
    void aMerchantsCustomOrderNameIsRecognised() {
        OrderFacts custom = ShopifySamples.bobsOrder("EU-1004-B", 1004, "2020-01-01T00:00:00Z");
        List<OrderFacts> withCustom = new ArrayList<>(orders);
        withCustom.add(custom);

        assertThat(matcher.match(BOB, null, "my order eu-1004-b is late", withCustom))
                .isEqualTo(new OrderMatch.Matched(custom, OrderMatch.How.NAMED));
        assertThat(matcher.match(BOB, null, "my order XEU-1004-BX is late", withCustom))
                .as("the name glued inside another word is not the name")
                .isEqualTo(new OrderMatch.Matched(order("#1003"), OrderMatch.How.MOST_RECENT));
    }

    @Test
    void toleratesNullTextsAndNullOrders() {
        List<OrderFacts> withNull = new ArrayList<>(Arrays.asList(null, order("#1001")));

        assertThat(matcher.match(BOB, null, null, withNull))
                .isEqualTo(new OrderMatch.Matched(order("#1001"), OrderMatch.How.MOST_RECENT));
    }
}
