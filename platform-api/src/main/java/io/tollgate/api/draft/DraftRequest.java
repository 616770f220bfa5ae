package io.tollgate.api.draft;

import io.tollgate.api.orders.OrderMatch;

import java.util.Objects;

/**
 * What a draft is written from.
 *
 * @param customerFirstName the customer's first name, or null for a neutral greeting (untrusted)
 * @param match             which order the ticket is about, from {@link io.tollgate.api.orders.OrderMatcher}
 * @param ticketSubject     the ticket's subject (untrusted customer text, may be null)
 * @param customerMessage   the customer's message as plain text (untrusted, may be null); the template writer
 *                          does not quote it, a writer that does must treat it as data, never as instructions
 * @param merchantName      the shop's name for the sign-off, or null
 * @param addressVerified   whether the ticket's channel proves the customer owns the e-mail address the orders were
 *                          looked up by; when not, the draft says so and gives neither that address nor any tracking
 *                          number or link (the model is not given them either), so an agent does not hand one
 *                          customer's parcel to someone who typed their address into a form
 * @param channel           the channel the message came by (for saying why the address is unverified), or null
 */
public record DraftRequest(String customerFirstName, OrderMatch match, String ticketSubject, String customerMessage,
                           String merchantName, boolean addressVerified, String channel) {
    public DraftRequest {
        Objects.requireNonNull(match, "match");
    }
}
