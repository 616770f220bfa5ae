package io.tollgate.api.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile but authenticated input to the admin API: NUL and other characters PostgreSQL cannot store, JSON that
 * breaks parser limits, numbers out of every range, cursors that decode to nonsense. Each must be a 400 naming the
 * field, and every mutating call must still leave exactly one audit row.
 */
class AdminInputTest {
    private static TestDatabase db;
    private static Tollgate server;
    private static AdminClient admin;

    @BeforeAll
    static void start() {
        db = TestDatabase.empty();
        server = TestServers.start(db);
        admin = new AdminClient(server);
        admin.secret(TestServers.ADMIN_TOKEN);
        admin.createTenant("input-shop");
    }

    @AfterAll
    static void stop() {
        server.close();
        db.close();
    }

    // --- NUL in body strings --------------------------------------------------------------------------------

    @Test
    void nulInTenantNameIs400NamingNameAndIsAudited() {
        ObjectNode body = tenant("nul-name");
        body.put("name", "Acme\u0000Boots");
        long before = lastAuditId();

        AdminClient.Answer a = admin.post("/admin/tenants", body.toString());

        assertBadRequest(a, "name");
        assertThat(auditRowsAfter(before, 1)).containsExactly("tenant.create failure 400");
        assertThat(admin.get("/admin/tenants/nul-name").status()).isEqualTo(404);
    }

    @Test
    void nulInGorgiasUsernameIs400NamingItOnCreateAndPatch() {
        ObjectNode body = tenant("nul-user");
        ((ObjectNode) body.get("gorgias")).put("username", "agent\u0000@acme.example");
        long before = lastAuditId();
        assertBadRequest(admin.post("/admin/tenants", body.toString()), "gorgias.username");
        assertThat(auditRowsAfter(before, 1)).containsExactly("tenant.create failure 400");

        long beforePatch = lastAuditId();
        assertBadRequest(admin.patch("/admin/tenants/input-shop",
                                     "{\"gorgias\": {\"username\": \"a\\u0000@b.example\"}}"), "gorgias.username");
        assertThat(auditRowsAfter(beforePatch, 1)).containsExactly("tenant.update failure 400");
        assertThat(admin.get("/admin/tenants/input-shop").json().at("/gorgias/username").asText())
                .isEqualTo("agent@input-shop.example");
    }

    @Test
    void nulInTokenNameIs400NamingNameAndIsAudited() {
        long before = lastAuditId();
        assertBadRequest(admin.post("/admin/tokens", "{\"name\": \"robot\\u0000\", \"scopes\": [\"read\"]}"), "name");
        assertThat(auditRowsAfter(before, 1)).containsExactly("token.create failure 400");
    }

    @Test
    void nulInRotateFieldsIs400NamingTheField() {
        long before = lastAuditId();
        assertBadRequest(admin.post("/admin/tenants/input-shop/secrets/rotate",
                                    "{\"provider\": \"shopify\", \"webhook_secret\": \"shpss_\\u0000_0123456789\"}"),
                         "webhook_secret");
        assertBadRequest(admin.post("/admin/tenants/input-shop/secrets/rotate", "{\"provider\": \"gor\\u0000gias\"}"),
                         "provider");
        assertThat(auditRowsAfter(before, 2)).containsExactly("tenant.secret.rotate failure 400",
                                                              "tenant.secret.rotate failure 400");
    }

    @Test
    void otherUnstorableCharactersAreRefusedWhereverTheyAre() {
        // a lone surrogate cannot be encoded as UTF-8 (it would be stored as '?'); a control character in a key is
        // reported under the key's own (escaped) name; a NUL inside an array element names the element
        long before = lastAuditId();
        assertBadRequest(admin.patch("/admin/tenants/input-shop", "{\"name\": \"half \\ud800 a pair\"}"), "name");
        assertBadRequest(admin.patch("/admin/tenants/input-shop", "{\"limits\": {\"bu\\u0000rst\": 1}}"),
                         "limits.bu\\u0000rst");
        assertBadRequest(admin.patch("/admin/tenants/input-shop", "{\"name\": [\"x\", \"\\u0000\"]}"), "name[1]");
        assertBadRequest(admin.patch("/admin/tenants/input-shop", "{\"name\": \"line\\nbreak\"}"), "name");
        // bytes that are not UTF-8 (ISO-8859-1 é) never reach a field at all
        byte[] latin1 = "{\"name\": \"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
        var res = TestServers.send(java.net.http.HttpRequest.newBuilder(
                        TestServers.uri(server, "/admin/tenants/input-shop"))
                                           .method("PATCH", java.net.http.HttpRequest.BodyPublishers
                                                   .ofByteArray(latin1))
                                           .header("Authorization", "Bearer " + TestServers.ADMIN_TOKEN).build());
        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(res.headers().firstValue("content-type")).hasValue("application/problem+json");
        assertThat(auditRowsAfter(before, 5)).containsOnly("tenant.update failure 400");
        assertThat(admin.get("/admin/tenants/input-shop").json().get("name").asText()).isEqualTo("Shop input-shop");
    }

    // --- NUL in query parameters -------------------------------------------------------------------------------

    @Test
    void nulInTenantQueryParameterIs400NamingTenant() {
        assertBadRequest(admin.get("/admin/audit?tenant=input%00shop"), "tenant");
        assertBadRequest(admin.get("/admin/tenants/input-shop/events?status=dead%00"), "status");
        assertBadRequest(admin.get("/admin/tenants?limit=5%00"), "limit");
    }

    @Test
    void nulInCursorIs400NamingCursor() {
        // raw NUL in the parameter, and a well-formed cursor whose decoded key holds a NUL
        assertBadRequest(admin.get("/admin/tenants?cursor=%00"), "cursor");
        assertBadRequest(admin.get("/admin/tenants?cursor=" + cursor("v1|input\u0000shop")), "cursor");
        assertBadRequest(admin.get("/admin/audit?cursor=" + cursor("v1|12\u00003")), "cursor");
        assertBadRequest(admin.get("/admin/tenants/input-shop/events?cursor="
                                           + cursor("v1|2024-01-01T00:00:00Z|\u0000")), "cursor");
        // bytes that are not UTF-8 at all
        String notUtf8 = Base64.getUrlEncoder().withoutPadding().encodeToString(
                new byte[]{'v', '1', '|', (byte) 0xC3, (byte) 0x28});
        assertBadRequest(admin.get("/admin/tenants?cursor=" + notUtf8), "cursor");
    }

    @ParameterizedTest
    @ValueSource(strings = {"+300000-01-01T00:00:00Z", "-1000000-01-01T00:00:00Z", "-4714-01-01T00:00:00Z",
                            "+294277-01-01T00:00:00Z"})
    void outOfRangeCursorTimestampIs400NamingCursor(String instant) {
        Instant.parse(instant); // Java accepts it; PostgreSQL cannot hold it
        String c = cursor("v1|" + instant + "|" + java.util.UUID.randomUUID());
        assertBadRequest(admin.get("/admin/tenants/input-shop/events?cursor=" + c), "cursor");
    }

    @Test
    void malformedCursorPartsAndLimitsAre400() {
        assertBadRequest(admin.get("/admin/tenants/input-shop/events?cursor="
                                           + cursor("v1|2024-01-01T00:00:00Z|not-a-uuid")), "cursor");
        assertBadRequest(admin.get("/admin/tenants/input-shop/events?cursor=" + cursor("v1|yesterday|"
                + java.util.UUID.randomUUID())), "cursor");
        assertBadRequest(admin.get("/admin/audit?cursor=" + cursor("v1|99999999999999999999")), "cursor");
        assertBadRequest(admin.get("/admin/audit?cursor=%F0%9F%92%A9"), "cursor");
        for (String limit : List.of("99999999999999999999", "-1", "0", "201", "ten", "1e2", "%D9%A5")) {
            assertBadRequest(admin.get("/admin/tenants?limit=" + limit), "limit");
        }
        // the valid ones still work
        assertThat(admin.get("/admin/tenants?limit=200").status()).isEqualTo(200);
        assertThat(admin.get("/admin/audit?cursor=" + cursor("v1|12")).status()).isEqualTo(200);
    }

    // --- JSON the parser refuses -------------------------------------------------------------------------------

    @Test
    void deeplyNestedBodyIs400AndIsAudited() {
        String deep = "{\"name\": " + "[".repeat(5_000) + "]".repeat(5_000) + "}";
        String deepObject = "{\"a\":".repeat(3_000) + "1" + "}".repeat(3_000);
        long before = lastAuditId();

        assertBadRequest(admin.patch("/admin/tenants/input-shop", deep), "(body)");
        assertBadRequest(admin.post("/admin/tenants", deepObject), "(body)");

        assertThat(auditRowsAfter(before, 2)).containsExactly("tenant.update failure 400",
                                                              "tenant.create failure 400");
    }

    @Test
    void fiveThousandDigitNumberIs400NamingTheFieldAndIsAudited() {
        String digits = "9".repeat(5_000);
        long before = lastAuditId();

        AdminClient.Answer a = admin.patch("/admin/tenants/input-shop",
                                           "{\"limits\": {\"rate_per_minute\": " + digits + "}}");
        assertBadRequest(a, "limits.rate_per_minute");
        assertThat(a.body()).doesNotContain(digits.substring(0, 100));
        assertBadRequest(admin.post("/admin/tenants/input-shop/secrets/rotate",
                                    "{\"provider\": \"gorgias\", \"grace_seconds\": 1." + digits + "}"),
                         "grace_seconds");

        assertThat(auditRowsAfter(before, 2)).containsExactly("tenant.update failure 400",
                                                              "tenant.secret.rotate failure 400");
    }

    @Test
    void limitsOutsideWholeNumbersInRangeAreNamedAndDuplicateKeysAreRefused() {
        for (String v : List.of("1e400", "99999999999999999999", "-5", "1.5", "\"600\"", "true", "{}", "[]",
                                "-0.0", "1E2", "2147483648", "-9223372036854775809")) {
            assertBadRequest(admin.patch("/admin/tenants/input-shop", "{\"limits\": {\"rate_per_minute\": " + v + "}}"),
                             "limits.rate_per_minute");
        }
        assertBadRequest(admin.patch("/admin/tenants/input-shop", "{\"name\": \"One\", \"name\": \"Two\"}"), "name");
        assertBadRequest(admin.patch("/admin/tenants/input-shop", "{\"limits\": {\"burst\": 1, \"burst\": 2}}"),
                         "limits.burst");
        // trailing content after the object is not silently ignored
        assertBadRequest(admin.patch("/admin/tenants/input-shop", "{\"name\": \"One\"} {\"name\": \"Two\"}"),
                         "(body)");
        JsonNode t = admin.get("/admin/tenants/input-shop").json();
        assertThat(t.get("name").asText()).isEqualTo("Shop input-shop");
        assertThat(t.at("/limits/rate_per_minute").asInt()).isEqualTo(600);
    }

    @Test
    void malformedPercentEncodingIsAProblemDocumentAndNothingIsAudited() {
        // java.net.URI will not even build these targets; they go out on a raw socket
        long before = lastAuditId();
        for (String target : List.of("/admin/tenants/%ZZ", "/admin/tenants?cursor=%", "/admin/audit?tenant=%E",
                                     "/admin/tenants/input-shop/events?status=%ZZ")) {
            AdminFuzzTest.Reply r = AdminFuzzTest.Raw.send(server.port(), "GET", target, null);
            assertThat(r.status()).as(target).isEqualTo(400);
            assertThat(r.contentType()).as(target).isEqualTo("application/problem+json");
            assertThat(r.body()).as(target).contains("\"field\":\"(request)\"").doesNotContain("%ZZ");
        }
        AdminFuzzTest.Reply delete = AdminFuzzTest.Raw.send(server.port(), "DELETE", "/admin/tenants/%ZZ", null);
        assertThat(delete.status()).isEqualTo(400);
        assertThat(delete.contentType()).isEqualTo("application/problem+json");
        assertThat(admin.get("/admin/tenants/input-shop").status()).isEqualTo(200);
        assertThat(lastAuditId()).as("refused before authentication: not audited").isEqualTo(before);
    }

    // --- the audit row survives content PostgreSQL cannot store ------------------------------------------------

    @Test
    void mutationOnAPathWithNulStillLeavesItsAuditRow() {
        long before = lastAuditId();
        assertThat(admin.delete("/admin/tokens/abc%00def").status()).isEqualTo(404);
        assertThat(admin.post("/admin/tenants/input%00shop/suspend", null).status()).isEqualTo(404);
        assertThat(admin.patch("/admin/tenants/input%00shop", "{}").status()).isEqualTo(404);
        List<String> rows = auditRowsAfter(before, 3);
        assertThat(rows).containsExactly("token.revoke failure 404", "POST /admin/tenants/input\uFFFDshop/suspend"
                + " failure 404", "PATCH /admin/tenants/input\uFFFDshop failure 404");
    }

    // --- helpers -----------------------------------------------------------------------------------------------

    private static ObjectNode tenant(String slug) {
        try {
            return (ObjectNode) AdminClient.JSON.readTree(AdminClient.tenantBody(slug));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String cursor(String text) {
        return URLEncoder.encode(Base64.getUrlEncoder().withoutPadding()
                                         .encodeToString(text.getBytes(StandardCharsets.UTF_8)),
                                 StandardCharsets.UTF_8);
    }

    static void assertBadRequest(AdminClient.Answer a, String field) {
        assertThat(a.status()).as(a.body()).isEqualTo(400);
        assertThat(a.header("content-type")).isEqualTo("application/problem+json");
        assertThat(a.json().get("errors").findValuesAsText("field")).as(a.body()).contains(field);
        assertThat(a.body()).doesNotContainIgnoringCase("exception").doesNotContain("\tat ")
                .doesNotContain("com.fasterxml").doesNotContain("java.");
    }

    private static long lastAuditId() {
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement("SELECT coalesce(max(id), 0) FROM audit_log");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The audit rows written after {@code afterId}, once there are {@code expected} of them. The row is written
     * when the handler is done, which can be just after the client has its answer, so this waits for it (up to a
     * generous bound), then checks that no more than expected were written.
     */
    static List<String> auditRowsAfter(TestDatabase db, long afterId, int expected) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        List<String> rows;
        do {
            rows = new ArrayList<>();
            try (Connection c = db.connect();
                 PreparedStatement ps = c.prepareStatement("SELECT action, outcome, status FROM audit_log"
                                                                   + " WHERE id > ? ORDER BY id")) {
                ps.setLong(1, afterId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getInt(3));
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            if (rows.size() >= expected) {
                break;
            }
            try {
                Thread.sleep(10); // poll interval while the row is on its way, not a retry of a failure
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        } while (Instant.now().isBefore(deadline));
        assertThat(rows).as("audit rows").hasSize(expected);
        return rows;
    }

    private static List<String> auditRowsAfter(long afterId, int expected) {
        return auditRowsAfter(db, afterId, expected);
    }
}
