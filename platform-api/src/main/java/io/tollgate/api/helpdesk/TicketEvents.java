package io.tollgate.api.helpdesk;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.http.Json;
import io.tollgate.api.upstream.Instants;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the body of a Gorgias ticket webhook: the flat object Tollgate's HTTP integration asks for
 * ({@code HttpIntegration.FORM}: {@code ticket_id}, {@code message_id}, ... every value a string), or a whole context,
 * i.e. {@code {"ticket": {...}}} or {@code {"message": {...}}}, or a bare ticket object (and, since some senders post
 * it, a bare message object: one with {@code id}, {@code ticket_id} and no {@code messages}). The body is a pointer:
 * {@link #current} combines it with the ticket as the API returns it. Unknown fields are ignored; any field
 * may be missing, null or of the wrong type; ids may be JSON numbers or numeric strings. A JSON object of an
 * unexpected shape still parses: the result lists what was missing.
 */
public final class TicketEvents {
    private TicketEvents() {
    }

    /**
     * @throws IllegalArgumentException if the body is not a JSON object (the message never quotes the body)
     */
    public static TicketEvent parse(byte[] body) {
        JsonNode root;
        try {
            root = body == null ? null : Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("the Gorgias body is not JSON");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("the Gorgias body is not a JSON object");
        }
        List<String> missing = new ArrayList<>();
        JsonNode ticket = object(root, "ticket");
        JsonNode message = object(root, "message");
        TicketEvent.Shape shape;
        String ticketPath = "ticket";
        String messagePath = "message";
        if (ticket != null) {
            shape = TicketEvent.Shape.TICKET;
        } else if (message != null) {
            shape = TicketEvent.Shape.MESSAGE;
        } else if (root.has("ticket_id") && !root.has("id") && !root.has("messages")) {
            return form(root);
        } else if (root.has("ticket_id") && !root.has("messages")) {
            shape = TicketEvent.Shape.BARE_MESSAGE;
            message = root;
            messagePath = "";
        } else {
            shape = TicketEvent.Shape.BARE_TICKET;
            ticket = root;
            ticketPath = "";
        }

        Long ticketId = ticket == null ? null : id(ticket, "id", path(ticketPath, "id"), missing);
        if (ticketId == null && message != null) {
            ticketId = id(message, "ticket_id", path(messagePath, "ticket_id"), missing);
        }
        if (ticketId == null && ticket == null) {
            // a wrapper carrying the ticket id next to the message: {"ticket_id": 1, "message": {...}}
            Long outer = id(root, "ticket_id", "ticket_id", new ArrayList<>());
            if (outer != null) {
                ticketId = outer;
                String inMessage = path(messagePath, "ticket_id");
                missing.removeIf(m -> m.startsWith(inMessage));
            }
        }

        List<TicketEvent.Message> messages = new ArrayList<>();
        if (ticket != null) {
            JsonNode list = ticket.get("messages");
            if (list != null && list.isArray()) {
                for (int i = 0; i < list.size(); i++) {
                    JsonNode m = list.get(i);
                    String at = path(ticketPath, "messages[" + i + "]");
                    if (m == null || !m.isObject()) {
                        missing.add(at + " (not an object)");
                        continue;
                    }
                    TicketEvent.Message parsed = message(m, at, missing);
                    if (parsed != null) {
                        messages.add(parsed);
                    }
                }
            } else {
                missing.add(path(ticketPath, "messages"));
            }
        }
        Long eventMessageId = null;
        if (message != null) {
            TicketEvent.Message parsed = message(message, messagePath, missing);
            if (parsed != null) {
                eventMessageId = parsed.id();
                if (messages.stream().noneMatch(m -> m.id() == parsed.id())) {
                    messages.add(parsed);
                }
            }
        }

        TicketEvent.Customer customer = null;
        JsonNode customerNode = ticket == null ? null : object(ticket, "customer");
        if (customerNode != null) {
            String at = path(ticketPath, "customer");
            customer = new TicketEvent.Customer(id(customerNode, "id", path(at, "id"), missing),
                                                email(text(customerNode, "email")),
                                                text(customerNode, "firstname"), text(customerNode, "lastname"),
                                                text(customerNode, "name"));
            if (customer.email() == null) {
                missing.add(path(at, "email"));
            }
        } else {
            missing.add(path(ticketPath, "customer"));
        }

        String subject = ticket == null ? null : text(ticket, "subject");
        if (subject == null && message != null) {
            subject = text(message, "subject");
        }
        return new TicketEvent(shape, ticketId, subject, ticket == null ? null : text(ticket, "channel"),
                               ticket == null ? null : text(ticket, "status"), customer, messages, eventMessageId,
                               missing);
    }

    /**
     * The flat body of Tollgate's HTTP integration ({@code HttpIntegration.FORM}): every value is the string Gorgias
     * rendered from a template, possibly empty ({@code ""}, {@code "False"}, {@code "123"}). Only
     * {@code ticket_id} is needed; {@code message_id} names the message the event is about (the ticket's last one).
     */
    private static TicketEvent form(JsonNode root) {
        List<String> missing = new ArrayList<>();
        Long ticketId = id(root, "ticket_id", "ticket_id", missing);
        List<TicketEvent.Message> messages = new ArrayList<>();
        Long messageId = null;
        if (text(root, "message_id") == null) {
            missing.add("message_id");
        } else {
            messageId = id(root, "message_id", "message_id", missing);
        }
        if (messageId != null) {
            messages.add(new TicketEvent.Message(messageId, text(root, "message_channel"),
                                                 bool(root, "message_from_agent"), body(root, "message_body_text"),
                                                 null, email(text(root, "message_sender_email")), null, null,
                                                 null));
        }
        Long customerId = text(root, "customer_id") == null ? null
                : id(root, "customer_id", "customer_id", missing);
        String email = email(text(root, "customer_email"));
        String name = text(root, "customer_name");
        TicketEvent.Customer customer = customerId == null && email == null && name == null ? null
                : new TicketEvent.Customer(customerId, email, null, null, name);
        if (customer == null || email == null) {
            missing.add("customer_email");
        }
        return new TicketEvent(TicketEvent.Shape.FORM, ticketId, text(root, "ticket_subject"),
                               text(root, "ticket_channel"), null, customer, messages, messageId, missing);
    }

    /**
     * The event as the ticket is now: {@code ticket}, the Ticket object {@code GET /api/tickets/{id}} answered, gives
     * the subject, channel, status, customer and messages (a field the API left out keeps the delivery's value); the
     * delivery still says which message the event is about, and a message it names that the API did not list is kept.
     */
    public static TicketEvent current(TicketEvent delivered, JsonNode ticket) {
        List<String> missing = new ArrayList<>();
        List<TicketEvent.Message> messages = new ArrayList<>();
        JsonNode list = ticket.get("messages");
        if (list != null && list.isArray()) {
            for (int i = 0; i < list.size(); i++) {
                JsonNode m = list.get(i);
                if (m != null && m.isObject()) {
                    TicketEvent.Message parsed = message(m, "messages[" + i + "]", missing);
                    if (parsed != null) {
                        messages.add(parsed);
                    }
                }
            }
        } else {
            missing.add("messages");
        }
        for (TicketEvent.Message m : delivered.messages()) {
            if (messages.stream().noneMatch(known -> known.id() == m.id())) {
                messages.add(m);
            }
        }
        TicketEvent.Customer customer = delivered.customer();
        JsonNode c = object(ticket, "customer");
        if (c != null) {
            customer = new TicketEvent.Customer(id(c, "id", "customer.id", missing), email(text(c, "email")),
                                                text(c, "firstname"), text(c, "lastname"), text(c, "name"));
            if (customer.email() == null && delivered.customer() != null) {
                customer = new TicketEvent.Customer(customer.id(), delivered.customer().email(), customer.firstname(),
                                                    customer.lastname(), customer.name());
            }
        }
        return new TicketEvent(delivered.shape(), delivered.ticketId(), or(text(ticket, "subject"), delivered.subject()),
                               or(text(ticket, "channel"), delivered.channel()),
                               or(text(ticket, "status"), delivered.status()), customer, messages,
                               delivered.eventMessageId(), missing);
    }

    private static String or(String value, String otherwise) {
        return value != null ? value : otherwise;
    }

    private static TicketEvent.Message message(JsonNode m, String at, List<String> missing) {
        Long id = id(m, "id", path(at, "id"), missing);
        if (id == null) {
            return null;
        }
        JsonNode sender = object(m, "sender");
        String senderEmail = email(sender == null ? null : text(sender, "email"));
        if (senderEmail == null) {
            JsonNode source = object(m, "source");
            JsonNode from = source == null ? null : object(source, "from");
            senderEmail = email(from == null ? null : text(from, "address"));
        }
        return new TicketEvent.Message(id, text(m, "channel"), bool(m, "from_agent"), body(m, "body_text"),
                                       body(m, "body_html"), senderEmail, instant(m, "created_datetime"),
                                       text(m, "external_id"), text(m, "via"));
    }

    private static String path(String parent, String field) {
        return parent.isEmpty() ? field : parent + "." + field;
    }

    private static JsonNode object(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isObject() ? value : null;
    }

    /** A positive 64-bit id from a JSON integer or a string of digits; null (and noted) otherwise. */
    static Long id(JsonNode node, String field, String at, List<String> missing) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            missing.add(at);
            return null;
        }
        Long id = null;
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            id = value.longValue();
        } else if (value.isTextual()) {
            String text = value.textValue().strip();
            if (!text.isEmpty() && text.length() <= 19 && text.chars().allMatch(c -> c >= '0' && c <= '9')) {
                try {
                    id = Long.parseLong(text);
                } catch (NumberFormatException e) {
                    id = null;
                }
            }
        }
        if (id == null || id <= 0) {
            missing.add(at + " (not a positive 64-bit integer)");
            return null;
        }
        return id;
    }

    /** Stripped text of a scalar; null when missing, null, blank or not a scalar. */
    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !(value.isTextual() || value.isNumber() || value.isBoolean())) {
            return null;
        }
        String text = value.asText().strip();
        return text.isEmpty() ? null : text;
    }

    /** A message body as sent (not stripped); null when missing, null, blank or not a string. */
    private static String body(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.textValue().isBlank()) {
            return null;
        }
        return value.textValue();
    }

    private static String email(String text) {
        return text != null && text.indexOf('@') > 0 ? text : null;
    }

    private static Boolean bool(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null) {
            return null;
        }
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        if (value.isTextual()) {
            String text = value.textValue().strip();
            if (text.equalsIgnoreCase("true")) {
                return true;
            }
            if (text.equalsIgnoreCase("false")) {
                return false;
            }
        }
        return null;
    }

    private static Instant instant(JsonNode node, String field) {
        return Instants.parseUtc(text(node, field)); // Gorgias times are UTC
    }
}
