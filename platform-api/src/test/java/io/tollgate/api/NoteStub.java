package io.tollgate.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.tollgate.tenant.testing.TestDatabase;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Gorgias and Shopify for a gateway test whose customer message goes all the way to a posted note: one WireMock server
 * (a tenant's {@code base_url} for both) where Shopify finds no orders, Gorgias answers the tickets given to
 * {@link #ticket} (401 without its basic auth), lists no messages and accepts the note.
 */
public final class NoteStub {
    private NoteStub() {
    }

    /** A started stub; the note it accepts gets the id {@code noteId}. Stop it after the class. */
    public static WireMockServer start(long noteId) {
        WireMockServer stub = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        stub.start();
        stub.stubFor(post(urlPathMatching("/admin/api/.*/graphql.json"))
                             .willReturn(okJson("{\"data\": {\"orders\": {\"nodes\": []}}}")));
        stub.stubFor(get(urlPathMatching("/api/tickets/[0-9]+/messages"))
                             .willReturn(okJson("{\"data\": [], \"meta\": {\"next_cursor\": null}}")));
        // Gorgias answers a read without valid basic auth with 401; see ticket() for the tickets it has
        stub.stubFor(get(urlPathMatching("/api/tickets/[0-9]+")).atPriority(10)
                             .willReturn(aResponse().withStatus(401).withHeader("Content-Type", "application/json")
                                                 .withBody("{\"error\": {\"msg\": \"Authentication required\"}}")));
        stub.stubFor(post(urlPathMatching("/api/tickets/[0-9]+/messages"))
                             .willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
                                                 .withBody("{\"id\": " + noteId
                                                                   + ", \"channel\": \"internal-note\"}")));
        return stub;
    }

    /**
     * Makes the ticket of {@code delivery} (a {@code {"ticket": {...}}} body) what Gorgias answers to
     * {@code GET /api/tickets/{id}} with basic auth of {@code username} and {@code apiKey}, as the worker reads it
     * before drafting.
     */
    public static void ticket(WireMockServer stub, String username, String apiKey, byte[] delivery) {
        JsonNode ticket = Webhooks.json(new String(delivery, StandardCharsets.UTF_8)).get("ticket");
        stub.stubFor(get(urlPathEqualTo("/api/tickets/" + ticket.get("id").asLong())).atPriority(1)
                             .withBasicAuth(username, apiKey).willReturn(okJson(ticket.toString())));
    }

    /** Waits until the gateway counts a note posted for {@code tenant} (tollgate_drafts_posted_total). */
    public static void awaitPosted(Tollgate server, String tenant, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (Webhooks.metric(server, "tollgate_drafts_posted_total", "tenant", tenant) < 1) {
            assertThat(System.nanoTime()).as("a note posted within " + within).isLessThan(deadline);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** After the class: stops the gateway, the stub and the database, whichever of them were started. */
    public static void stopAll(Tollgate server, WireMockServer stub, TestDatabase db) {
        if (server != null) {
            server.close();
        }
        if (stub != null) {
            stub.stop();
        }
        if (db != null) {
            db.close();
        }
    }
}
