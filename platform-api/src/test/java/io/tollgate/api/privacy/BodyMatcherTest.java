package io.tollgate.api.privacy;

import io.tollgate.tenant.Provider;
import io.tollgate.tenant.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Which stored bodies concern a customer: Shopify's fixtures and Gorgias-shaped bodies, real shapes. */
class BodyMatcherTest {
    private static final Customer BOB = new Customer(207119551L, "Bob.Norman@HostMail.com", "555-625-1199",
                                                     List.of(299938L));
    private static final BodyMatcher MATCHER = new BodyMatcher(BOB, Set.of(450789469L, 299938L), Set.of(7001L));

    @Test
    void shopifyOrderAndCustomerBodiesOfTheCustomerConcernThem() {
        byte[] order = Fixtures.bytes("shopify-python-api-order.json");
        assertThat(MATCHER.read(Provider.SHOPIFY, "orders/create", order).concerns()).isTrue();
        assertThat(MATCHER.read(Provider.SHOPIFY, "customers/update",
                                Fixtures.bytes("shopify-python-api-customer.json")).concerns()).isTrue();
        // an order naming nobody's e-mail or phone, found by its id alone (listed, or cached as the customer's)
        byte[] bare = "{\"id\": 299938, \"email\": null, \"customer\": null}".getBytes(StandardCharsets.UTF_8);
        assertThat(MATCHER.read(Provider.SHOPIFY, "orders/updated", bare).concerns()).isTrue();
        byte[] refund = "{\"id\": 1, \"order_id\": 450789469}".getBytes(StandardCharsets.UTF_8);
        assertThat(MATCHER.read(Provider.SHOPIFY, "refunds/create", refund).concerns()).isTrue();
        byte[] byId = "{\"id\": 9, \"customer\": {\"id\": \"207119551\"}}".getBytes(StandardCharsets.UTF_8);
        assertThat(MATCHER.read(Provider.SHOPIFY, "orders/create", byId).concerns()).isTrue();
    }

    @Test
    void anotherCustomersBodiesDoNot() {
        String alice = new String(Fixtures.bytes("shopify-python-api-order.json"), StandardCharsets.UTF_8)
                .replace("bob.norman@hostmail.com", "alice@example.org").replace("555-625-1199", "555-300-4242")
                .replace("207119551", "5200000001").replace("450789469", "5100000001");
        assertThat(MATCHER.read(Provider.SHOPIFY, "orders/create", alice.getBytes(StandardCharsets.UTF_8))
                           .concerns()).isFalse();
        byte[] sameNumberElsewhere = "{\"id\": 5, \"line_items\": [{\"id\": 299938, \"quantity\": 1}]}"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(MATCHER.read(Provider.SHOPIFY, "orders/create", sameNumberElsewhere).concerns())
                .as("a line item's id is not an order id").isFalse();
        byte[] ticket = "{\"ticket\": {\"id\": 42, \"customer\": {\"id\": 7002, \"email\": \"alice@example.org\"}}}"
                .getBytes(StandardCharsets.UTF_8);
        BodyMatcher.Found found = MATCHER.read(Provider.GORGIAS, "ticket-created", ticket);
        assertThat(found.concerns()).isFalse();
        assertThat(found.ticketIds()).as("the ticket it is about, for message events of it").containsExactly(42L);
    }

    @Test
    void gorgiasBodiesByEmailInAnyCasePhoneInAnyFormatOrGorgiasCustomerId() {
        String[] bodies = {
                "{\"ticket\": {\"id\": 1, \"customer\": {\"email\": \"BOB.NORMAN@hostmail.com\"}}}",
                "{\"message\": {\"ticket_id\": 1, \"body_text\": \"From: Bob <bob.norman@hostmail.com>\"}}",
                "{\"message\": {\"ticket_id\": 1, \"source\": {\"from\": {\"address\": \"+1 (555) 625-1199\"}}}}",
                "{\"message\": {\"ticket_id\": 1, \"body_text\": \"call me at 555-625-1199 please\"}}",
                "{\"ticket\": {\"id\": 1, \"customer\": {\"id\": 7001}}}"};
        for (String body : bodies) {
            assertThat(MATCHER.read(Provider.GORGIAS, "ticket-created", body.getBytes(StandardCharsets.UTF_8))
                               .concerns()).as(body).isTrue();
        }
        String notPhone = "{\"message\": {\"ticket_id\": 1, \"body_text\": \"order 5556251199x\"}}";
        assertThat(MATCHER.read(Provider.GORGIAS, "ticket-created", notPhone.getBytes(StandardCharsets.UTF_8))
                           .concerns()).as("digits inside other text are not a phone").isFalse();
    }

    @Test
    void aBodyThatIsNotJsonIsSearchedAsText() {
        byte[] broken = "{\"email\": \"bob.norman@hostmail.com\", ".getBytes(StandardCharsets.UTF_8);
        assertThat(MATCHER.read(Provider.GORGIAS, null, broken).concerns()).isTrue();
        assertThat(MATCHER.read(Provider.GORGIAS, null, "not json".getBytes(StandardCharsets.UTF_8)).concerns())
                .isFalse();
    }

    @Test
    void aTombstoneIsRecognisedAndNamesNoOne() {
        assertThat(Tombstone.is("{\"tollgate_erased\": {\"by\": \"shop/redact\"}}".getBytes(StandardCharsets.UTF_8)))
                .isTrue();
        assertThat(Tombstone.is(Fixtures.bytes("shopify-python-api-order.json"))).isFalse();
        assertThat(BOB.toString()).doesNotContain("bob").doesNotContain("555");
    }
}
