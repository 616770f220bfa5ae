package io.tollgate.api.shopify;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.api.http.Json;
import io.tollgate.api.orders.OrderFacts;
import io.tollgate.tenant.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RestOrdersTest {
    private static final String UPS_URL = "http://wwwapps.ups.com/etracking/tracking.cgi?InquiryNumber1=1Z2345"
            + "&TypeOfInquiryNumber=T&AcceptUPSLicenseAgreement=yes&submit=Track";

    @Test
    void readsShopifysFixtureOrder() {
        List<OrderFacts> orders = RestOrders.parse(Fixtures.bytes("shopify-python-api-order.json"));

        assertThat(orders).hasSize(1);
        OrderFacts order = orders.getFirst();
        assertThat(order.id()).isEqualTo("450789469");
        assertThat(order.gid()).isEqualTo("gid://shopify/Order/450789469");
        assertThat(order.name()).isEqualTo("#1001");
        assertThat(order.number()).as("order_number, not the REST 'number' field (1)").isEqualTo(1001);
        assertThat(order.email()).isEqualTo("bob.norman@hostmail.com");
        assertThat(order.createdAt()).isEqualTo(Instant.parse("2008-01-10T16:00:00Z"));
        assertThat(order.updatedAt()).isEqualTo(Instant.parse("2008-01-10T16:00:00Z"));
        assertThat(order.cancelledAt()).isNull();
        assertThat(order.financialStatus()).isEqualTo("AUTHORIZED");
        assertThat(order.fulfillmentStatus()).as("REST null means nothing fulfilled yet").isEqualTo("UNFULFILLED");
        assertThat(order.tracking()).as("the fixture's only fulfillment has status 'failure': it never shipped")
                .isEmpty();
    }

    @Test
    void keepsTheTrackingOfAFulfillmentThatWentThrough() {
        ObjectNode order = ShopifySamples.bobsOrderJson();
        ((ObjectNode) order.get("fulfillments").get(0)).put("status", "success").put("tracking_company", "UPS");

        OrderFacts facts = RestOrders.order(order);

        assertThat(facts.tracking()).containsExactly(new OrderFacts.Tracking("UPS", "1Z2345", UPS_URL));
    }

    @Test
    void pairsSeveralTrackingNumbersWithTheirUrlsAndDropsDuplicates() {
        ObjectNode order = ShopifySamples.bobsOrderJson();
        ObjectNode fulfillment = (ObjectNode) order.get("fulfillments").get(0);
        fulfillment.put("status", "success");
        fulfillment.putArray("tracking_numbers").add("1Z2345").add("1Z6789");
        fulfillment.putArray("tracking_urls").add("https://ups.test/1Z2345").add("https://ups.test/1Z6789");
        order.withArray("fulfillments").add(fulfillment.deepCopy()); // the same parcel twice

        OrderFacts facts = RestOrders.order(order);

        assertThat(facts.tracking()).containsExactly(
                new OrderFacts.Tracking(null, "1Z2345", "https://ups.test/1Z2345"),
                new OrderFacts.Tracking(null, "1Z6789", "https://ups.test/1Z6789"));
    }

    @Test
    void readsTheOrdersEnvelopeWithoutFulfillmentFields() {
        List<OrderFacts> orders = RestOrders.parse(Fixtures.bytes("shopify-python-api-orders.json"));

        assertThat(orders).hasSize(1);
        OrderFacts order = orders.getFirst();
        assertThat(order.name()).isEqualTo("#1001");
        assertThat(order.number()).isEqualTo(1001);
        assertThat(order.financialStatus()).isEqualTo("PARTIALLY_REFUNDED");
        assertThat(order.fulfillmentStatus()).as("absent in this body, so unknown").isNull();
        assertThat(order.tracking()).isEmpty();
    }

    @Test
    void readsTheBareWebhookBodyLikeTheEnvelope() {
        byte[] bare = Json.write(ShopifySamples.bobsOrderJson());

        assertThat(RestOrders.parse(bare)).containsExactly(ShopifySamples.order1001());
    }

    @Test
    void keepsIdsAbove2To53Exactly() {
        // 2^53 + 1 cannot be held by a double: reading it through one would give ...992
        String body = new String(Json.write(ShopifySamples.bobsOrderJson()), StandardCharsets.UTF_8)
                .replace("\"id\":450789469,", "\"id\":9007199254740993,");
        assertThat(body).contains("9007199254740993");

        OrderFacts order = RestOrders.parse(body.getBytes(StandardCharsets.UTF_8)).getFirst();

        assertThat(order.id()).isEqualTo("9007199254740993");
        assertThat(order.gid()).isEqualTo("gid://shopify/Order/9007199254740993");
    }

    @Test
    void takesTheIdFromTheGraphqlIdWhenTheNumericIdIsMissing() {
        OrderFacts order = RestOrders.parse("""
                {"admin_graphql_api_id": "gid://shopify/Order/9223372036854775807", "name": "#1001"}
                """.getBytes(StandardCharsets.UTF_8)).getFirst();

        assertThat(order.id()).isEqualTo("9223372036854775807");
    }

    @Test
    void toleratesNullsAndWrongTypesEverywhere() {
        OrderFacts order = RestOrders.parse("""
                {"id": null, "name": null, "order_number": "abc", "email": 17.5, "created_at": "last tuesday",
                 "updated_at": null, "cancelled_at": [], "financial_status": {}, "unknown": {"x": 1},
                 "fulfillments": [null, 3, {}, {"status": null, "tracking_numbers": [null, 5],
                                             "tracking_urls": null, "tracking_number": null}]}
                """.getBytes(StandardCharsets.UTF_8)).getFirst();

        assertThat(order).isEqualTo(new OrderFacts(null, null, 0, "17.5", null, null, null, null, null, List.of()));
        assertThat(RestOrders.parse("{}".getBytes(StandardCharsets.UTF_8)).getFirst().tracking()).isEmpty();
        assertThat(RestOrders.parse("{\"orders\": [null, {\"name\": \"#7\"}]}".getBytes(StandardCharsets.UTF_8)))
                .extracting(OrderFacts::number).containsExactly(7L);
    }

    @Test
    void refusesABodyThatIsNotAJsonObjectWithoutQuotingIt() {
        assertThatThrownBy(() -> RestOrders.parse("secret-token {".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the body is not valid JSON");
        assertThatThrownBy(() -> RestOrders.parse("[1]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the body is not a JSON object");
    }
}
