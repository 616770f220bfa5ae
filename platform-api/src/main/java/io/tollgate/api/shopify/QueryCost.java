package io.tollgate.api.shopify;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.Optional;

/**
 * The {@code extensions.cost} of a GraphQL Admin API answer: what the query was expected to cost, what it cost (null
 * when it did not run, as when THROTTLED), and the shop's point bucket as Shopify saw it after the query. Shopify
 * sends these figures with every answer (shopify.dev, "GraphQL Admin API rate limits").
 *
 * @param requested   {@code requestedQueryCost}: the points Shopify reserved before running the query
 * @param actual      {@code actualQueryCost}, or null when the query did not run
 * @param maximum     {@code throttleStatus.maximumAvailable}: the bucket's size
 * @param available   {@code throttleStatus.currentlyAvailable}
 * @param restoreRate {@code throttleStatus.restoreRate}: points restored per second (it depends on the shop's plan)
 */
public record QueryCost(double requested, Double actual, double maximum, double available, double restoreRate) {

    /** The figures of an answer's root object, or empty when it has none (or they make no sense). */
    public static Optional<QueryCost> of(JsonNode root) {
        if (root == null) {
            return Optional.empty();
        }
        JsonNode cost = root.path("extensions").path("cost");
        JsonNode status = cost.path("throttleStatus");
        if (!cost.path("requestedQueryCost").isNumber() || !status.path("maximumAvailable").isNumber()
                || !status.path("currentlyAvailable").isNumber() || !status.path("restoreRate").isNumber()) {
            return Optional.empty();
        }
        double maximum = status.path("maximumAvailable").asDouble();
        double rate = status.path("restoreRate").asDouble();
        double available = status.path("currentlyAvailable").asDouble();
        double requested = cost.path("requestedQueryCost").asDouble();
        if (!(maximum > 0) || !(rate > 0) || !Double.isFinite(maximum) || !Double.isFinite(rate)
                || !Double.isFinite(available) || !Double.isFinite(requested) || requested < 0) {
            return Optional.empty();
        }
        JsonNode actual = cost.path("actualQueryCost");
        return Optional.of(new QueryCost(requested, actual.isNumber() ? actual.asDouble() : null, maximum,
                                         Math.max(0, Math.min(available, maximum)), rate));
    }

    /**
     * How long until the bucket holds {@code requested} points again: {@code (requested - available) / restoreRate}
     * seconds, rounded up to whole seconds, between one and 60 (a THROTTLED query is never a failure, only a wait).
     */
    public Duration untilRequestedFits() {
        double seconds = Math.ceil(Math.max(0, requested - available) / restoreRate);
        return Duration.ofSeconds(Math.max(1, (long) Math.min(seconds, 60)));
    }
}
