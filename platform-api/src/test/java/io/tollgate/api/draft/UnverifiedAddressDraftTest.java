package io.tollgate.api.draft;

import io.tollgate.api.orders.OrderFacts;
import io.tollgate.api.orders.OrderMatch;
import io.tollgate.api.shopify.ShopifySamples;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the ticket's channel does not prove the customer's address (issue 15, finding 11), neither writer shares the
 * address or any tracking: the template leaves them out and says why, and the model is never given them.
 */
class UnverifiedAddressDraftTest {
    private static final OrderFacts.Tracking PARCEL = new OrderFacts.Tracking(
            "UPS", "1Z999AA10123456784", "https://www.ups.com/track?tracknum=1Z999AA10123456784");
    /** Bob's fixture order #1001, shipped with a tracked parcel. */
    private static final OrderFacts ORDER = withParcel(ShopifySamples.order1001());

    private static OrderFacts withParcel(OrderFacts o) {
        return new OrderFacts(o.id(), o.name(), o.number(), o.email(), o.createdAt(), o.updatedAt(), null,
                              o.financialStatus(), "FULFILLED", java.util.List.of(PARCEL));
    }

    private static DraftRequest request(OrderMatch match, boolean verified, String channel) {
        return new DraftRequest("Bob", match, "Order status", "Where is my order #1001?", "Apple Store", verified,
                                channel);
    }

    @Test
    void theTemplateSaysTheAddressIsUnverifiedAndLeavesOutTracking() {
        OrderMatch match = new OrderMatch.Matched(ORDER, OrderMatch.How.NAMED);

        Draft unverified = new TemplateDraftWriter().write(request(match, false, "contact_form"));
        Draft verified = new TemplateDraftWriter().write(request(match, true, "email"));

        assertThat(PARCEL.number()).isNotBlank();
        for (String body : new String[] {unverified.text(), unverified.html()}) {
            assertThat(body).contains("NOT verified").contains("by contact_form").contains(ORDER.name())
                    .doesNotContain(PARCEL.number()).doesNotContain("ups.com").doesNotContain("follow your parcel");
        }
        assertThat(verified.text()).contains(PARCEL.number()).contains(PARCEL.url()).doesNotContain("NOT verified");
    }

    @Test
    void theTemplateGivesNoUnverifiedAddressWhenNoOrderIsFound() {
        OrderMatch none = new OrderMatch.NoOrders(ShopifySamples.BOB, null);

        assertThat(new TemplateDraftWriter().write(request(none, false, null)).text())
                .contains("NOT verified").contains("by an unknown channel").doesNotContain(ShopifySamples.BOB);
        assertThat(new TemplateDraftWriter().write(request(none, true, "email")).text())
                .contains(ShopifySamples.BOB);
    }

    @Test
    void theModelIsNotGivenTrackingForAnUnverifiedAddress() {
        OrderMatch match = new OrderMatch.Matched(ORDER, OrderMatch.How.NAMED);

        String unverified = LlmPrompt.userMessage(request(match, false, "chat"), "0123456789abcdef");
        String verified = LlmPrompt.userMessage(request(match, true, "email"), "0123456789abcdef");

        assertThat(unverified).contains("NOT verified").doesNotContain(PARCEL.number())
                .doesNotContain(PARCEL.url()).doesNotContain(ShopifySamples.BOB);
        assertThat(verified).contains(PARCEL.number()).contains(PARCEL.url());
        assertThat(LlmPrompt.render("Hi Bob", DraftText.unverified(request(match, false, "chat")))
                           .text()).startsWith(LlmPrompt.MODEL_HEADER + " The customer's email address is NOT"
                                                       + " verified");
    }
}
