package io.tollgate.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** The pipeline's Gorgias ticket server answers as Gorgias does: basic auth or 401, 404, the documented shapes. */
class GorgiasTicketsTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final GorgiasTickets TICKETS = new GorgiasTickets();
    private static WireMockServer server;

    @BeforeAll
    static void start() {
        server = new WireMockServer(WireMockConfiguration.options().dynamicPort().extensions(TICKETS));
        server.start();
        GorgiasTickets.stub(server);
        TICKETS.account("agent@acme.example", "gk-acme-0123456789");
        TICKETS.account("agent@other.example", "gk-other-0123456789");
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    private static HttpResponse<String> get(String path, String username, String apiKey) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
        if (username != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (username + ":" + apiKey).getBytes(StandardCharsets.UTF_8)));
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aDeliveryBodyBecomesTheTicketOnlyItsAccountReads() throws Exception {
        TICKETS.remember("agent@acme.example", """
                {"ticket": {"id": 12, "subject": "Order?", "customer": {"id": 3, "email": "bob@example.com"},
                 "messages": [{"id": 120, "from_agent": false, "body_text": "#1001?"}]}}"""
                .getBytes(StandardCharsets.UTF_8));
        TICKETS.remember("agent@acme.example", """
                {"message": {"id": 121, "ticket_id": 12, "from_agent": true, "body_text": "shipped"}}"""
                .getBytes(StandardCharsets.UTF_8));
        TICKETS.remember("agent@acme.example", """
                {"ticket_id": "12", "message_id": "122", "message_from_agent": "False", "message_body_text": "thanks"}"""
                .getBytes(StandardCharsets.UTF_8));

        assertThat(get("/api/tickets/12", null, null).statusCode()).isEqualTo(401);
        assertThat(get("/api/tickets/12", "agent@acme.example", "wrong").statusCode()).isEqualTo(401);
        assertThat(get("/api/tickets/12", "agent@other.example", "gk-other-0123456789").statusCode()).isEqualTo(404);
        HttpResponse<String> ok = get("/api/tickets/12", "agent@acme.example", "gk-acme-0123456789");
        assertThat(ok.statusCode()).isEqualTo(200);
        JsonNode ticket = Webhooks.json(ok.body());
        assertThat(ticket.get("messages").findValuesAsText("id")).containsExactly("120", "121", "122");
        assertThat(ticket.get("messages").findValuesAsText("ticket_id")).containsOnly("12");
        assertThat(ticket.at("/messages/2/from_agent").asBoolean(true)).isFalse();

        HttpResponse<String> list = get("/api/messages?ticket_id=12", "agent@acme.example", "gk-acme-0123456789");
        assertThat(Webhooks.json(list.body()).get("data").size()).isEqualTo(3);
        assertThat(Webhooks.json(list.body()).at("/meta/next_cursor").isNull()).isTrue();
        assertThat(get("/api/messages?ticket_id=12", null, null).statusCode()).isEqualTo(401);
    }
}
