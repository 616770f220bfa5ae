package io.tollgate.api.draft;

import io.tollgate.api.orders.OrderFacts;
import io.tollgate.api.orders.OrderMatch;

import java.util.ArrayList;
import java.util.List;

import static io.tollgate.api.draft.DraftText.HEADER;
import static io.tollgate.api.draft.DraftText.clean;
import static io.tollgate.api.draft.DraftText.date;
import static io.tollgate.api.draft.DraftText.escape;
import static io.tollgate.api.draft.DraftText.isWebLink;
import static io.tollgate.api.draft.DraftText.label;
import static io.tollgate.api.draft.DraftText.payment;
import static io.tollgate.api.draft.DraftText.shipping;
import static io.tollgate.api.draft.DraftText.unverified;

/**
 * The built-in draft: a fixed English template filled with the order's facts. It never quotes the customer's subject
 * or message, and when the order is not known (no email, no orders, an order number that is not the customer's) it
 * asks for what is missing instead of guessing.
 *
 * <p>Each draft starts with a line for the agent ("Suggested reply (Tollgate): ...") saying how the order was chosen,
 * followed by the reply itself. Every value from outside (names, email, order name, carrier, tracking number and URL)
 * is stripped of control characters and line breaks, shortened if very long, and HTML-escaped in the HTML version; a
 * tracking URL is a link only if it is an absolute http or https URL, otherwise it is shown as escaped text.
 * Dates are written like "March 12, 2024", in UTC.
 *
 * <p>When the ticket's channel does not prove the customer's address ({@link DraftRequest#addressVerified()}), the
 * agent's line says so and the draft gives neither the address nor any tracking number or link.
 */
public final class TemplateDraftWriter implements DraftWriter {
    public TemplateDraftWriter() {
    }

    @Override
    public Draft write(DraftRequest request) {
        List<Block> blocks = new ArrayList<>();
        String name = clean(request.customerFirstName(), 60);
        Block greeting = para(name == null ? "Hello," : "Hi " + name + ",");
        String unverified = unverified(request);
        switch (request.match()) {
            case OrderMatch.Matched m -> matched(blocks, greeting, m, unverified);
            case OrderMatch.UnknownOrder u -> unknown(blocks, greeting, u, unverified);
            case OrderMatch.NoOrders n -> noOrders(blocks, greeting, n, unverified);
            case OrderMatch.NoEmail n -> noEmail(blocks, greeting, n);
        }
        blocks.add(para("If you have any other questions, just reply to this message."));
        String merchant = clean(request.merchantName(), 80);
        blocks.add(new Lines(List.of(List.of(new Text("Best regards,")),
                List.of(new Text(merchant == null ? "Customer support" : "The " + merchant + " team")))));
        return render(blocks);
    }

    private static void matched(List<Block> blocks, Block greeting, OrderMatch.Matched m, String unverified) {
        OrderFacts order = m.order();
        String label = label(order);
        String shown = label == null ? "an order without a name" : "order " + label;
        blocks.add(para(HEADER + " " + switch (m.how()) {
            case NAMED -> "the customer named " + shown + ".";
            case NUMBER -> "the customer wrote the number of " + shown + ".";
            case MOST_RECENT -> "the customer named no order; this is about their most recent order"
                    + (label == null ? " (it has no name)" : ", " + label) + ". Check that it is the one they mean.";
        } + unverified));
        blocks.add(greeting);
        StringBuilder facts = new StringBuilder("Thank you for your message. Your order")
                .append(label == null ? "" : " " + label);
        String placed = date(order.createdAt());
        if (order.cancelledAt() != null) {
            facts.append(placed == null ? "" : ", placed on " + placed + ",").append(" was cancelled");
            String cancelled = date(order.cancelledAt());
            facts.append(cancelled == null ? "." : " on " + cancelled + ".");
        } else {
            facts.append(placed == null ? "" : " was placed on " + placed + " and");
            String shipping = shipping(order.fulfillmentStatus());
            if (shipping == null) {
                facts.append(" is in our system.");
            } else {
                facts.append(" ").append(shipping).append(".");
            }
        }
        String payment = payment(order.financialStatus());
        if (payment != null) {
            facts.append(" ").append(payment);
        }
        blocks.add(para(facts.toString()));
        List<List<Part>> items = new ArrayList<>();
        for (OrderFacts.Tracking t : order.tracking()) {
            items.add(trackingLine(t));
        }
        if (!items.isEmpty() && order.cancelledAt() == null && unverified.isEmpty()) {
            blocks.add(para(items.size() == 1 ? "You can follow your parcel here:" : "You can follow your parcels here:"));
            blocks.add(new Bullets(items));
        }
    }

    private static void unknown(List<Block> blocks, Block greeting, OrderMatch.UnknownOrder u, String unverified) {
        String mentioned = clean(u.mentioned(), 40);
        String recent = u.mostRecent() == null ? null : label(u.mostRecent());
        String placed = u.mostRecent() == null ? null : date(u.mostRecent().createdAt());
        blocks.add(para(HEADER + " the customer mentions " + mentioned
                + ", which is not among the orders found for their email address."
                + (recent == null ? "" : " Their most recent order is " + recent
                + (placed == null ? "" : ", placed on " + placed) + ".") + unverified));
        blocks.add(greeting);
        blocks.add(para("Thank you for your message. We could not find order " + mentioned
                + " under the email address you wrote from. Could you check the order number, and tell us the email"
                + " address you used at checkout if it was a different one?"));
    }

    private static void noOrders(List<Block> blocks, Block greeting, OrderMatch.NoOrders n, String unverified) {
        String email = unverified.isEmpty() ? clean(n.email(), 120) : null;
        String mentioned = clean(n.mentioned(), 40);
        blocks.add(para(HEADER + " no Shopify order was found for " + (email == null ? "the customer's email" : email)
                + "." + (mentioned == null ? "" : " The customer mentions " + mentioned + ".") + unverified));
        blocks.add(greeting);
        blocks.add(para(mentioned == null
                ? "Thank you for your message. We could not find an order under the email address you wrote from."
                  + " Could you send us your order number (it is in your order confirmation email) and the email"
                  + " address you used at checkout?"
                : "Thank you for your message. We could not find order " + mentioned + " under the email address"
                  + " you wrote from. Could you check the order number and send us the email address you used at"
                  + " checkout?"));
    }

    private static void noEmail(List<Block> blocks, Block greeting, OrderMatch.NoEmail n) {
        String mentioned = clean(n.mentioned(), 40);
        blocks.add(para(HEADER + " the ticket has no customer email address, so no order was looked up."
                + (mentioned == null ? "" : " The customer mentions " + mentioned + ".")));
        blocks.add(greeting);
        blocks.add(para("Thank you for your message. So that we can look up your order, could you send us your order"
                + " number (it is in your order confirmation email) and the email address you used at checkout?"));
    }

    private static List<Part> trackingLine(OrderFacts.Tracking t) {
        List<String> words = new ArrayList<>();
        String company = clean(t.company(), 60);
        String number = clean(t.number(), 80);
        if (company != null) {
            words.add(company);
        }
        if (number != null) {
            words.add("tracking number " + number);
        }
        List<Part> parts = new ArrayList<>();
        String url = clean(t.url(), 2000);
        String lead = String.join(", ", words);
        if (url == null) {
            parts.add(new Text(lead));
        } else {
            parts.add(new Text(lead.isEmpty() ? "" : lead + ": "));
            parts.add(new Link(url));
        }
        return parts;
    }

    private static Draft render(List<Block> blocks) {
        StringBuilder text = new StringBuilder();
        StringBuilder html = new StringBuilder();
        for (Block block : blocks) {
            if (!text.isEmpty()) {
                text.append("\n\n");
            }
            switch (block) {
                case Lines lines -> {
                    html.append("<p>");
                    for (int i = 0; i < lines.lines().size(); i++) {
                        if (i > 0) {
                            text.append('\n');
                            html.append("<br>");
                        }
                        append(text, html, lines.lines().get(i));
                    }
                    html.append("</p>");
                }
                case Bullets bullets -> {
                    html.append("<ul>");
                    for (int i = 0; i < bullets.items().size(); i++) {
                        text.append(i > 0 ? "\n- " : "- ");
                        html.append("<li>");
                        append(text, html, bullets.items().get(i));
                        html.append("</li>");
                    }
                    html.append("</ul>");
                }
            }
        }
        return new Draft(text.toString(), html.toString());
    }

    private static void append(StringBuilder text, StringBuilder html, List<Part> parts) {
        for (Part part : parts) {
            switch (part) {
                case Text t -> {
                    text.append(t.value());
                    html.append(escape(t.value()));
                }
                case Link l -> {
                    text.append(l.url());
                    if (isWebLink(l.url())) {
                        html.append("<a href=\"").append(escape(l.url())).append("\">").append(escape(l.url()))
                                .append("</a>");
                    } else {
                        html.append(escape(l.url()));
                    }
                }
            }
        }
    }

    private static Block para(String text) {
        return new Lines(List.of(List.of(new Text(text))));
    }

    private sealed interface Block {
    }

    /** A paragraph of one or more lines. */
    private record Lines(List<List<Part>> lines) implements Block {
    }

    private record Bullets(List<List<Part>> items) implements Block {
    }

    private sealed interface Part {
    }

    private record Text(String value) implements Part {
    }

    private record Link(String url) implements Part {
    }
}
