package io.tollgate.api;

import io.tollgate.api.Webhooks.TestTenant;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Stopping the server lets a delivery already in flight finish: stored, then answered. */
class GracefulShutdownTest {
    private static TestDatabase db;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.empty();
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void inFlightDeliveryFinishesWhileTheServerStops() throws Exception {
        Tollgate server = TestServers.start(db);
        int port = server.port();
        TestTenant t = Webhooks.create(server, "closing-shop", "closing_shopify_0123", null);
        byte[] body = "{\"id\": 1, \"note\": \"sent slowly, half before the stop and half after\"}"
                .getBytes(StandardCharsets.UTF_8);
        String head = "POST /webhooks/closing-shop/shopify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n"
                + "X-Shopify-Hmac-Sha256: " + Webhooks.shopifyHmac(t.shopifySecret(), body) + "\r\n"
                + "X-Shopify-Shop-Domain: " + t.shopDomain() + "\r\nX-Shopify-Topic: orders/create\r\n"
                + "X-Shopify-Event-Id: slow-1\r\nConnection: close\r\n\r\n";

        String answer;
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body, 0, body.length / 2);
            out.flush();
            Thread.sleep(300);

            CompletableFuture<Void> stopping = CompletableFuture.runAsync(server::close);
            Thread.sleep(500);
            out.write(body, body.length / 2, body.length - body.length / 2);
            out.flush();
            answer = read(s.getInputStream());
            stopping.get();
        }

        assertThat(answer).startsWith("HTTP/1.1 202").contains("\"status\":\"accepted\"");
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM webhook_events WHERE delivery_key = 'event:orders/create:slow-1'");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(1);
        }
        assertThat(server.running()).isFalse();
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
    }

    private static String read(InputStream in) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] b = new byte[4096];
        int n;
        while ((n = in.read(b)) > 0) {
            buf.write(b, 0, n);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
