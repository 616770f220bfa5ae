package io.tollgate.api.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.api.Webhooks;
import io.tollgate.api.config.AppConfig;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.crypto.CredentialCipher;
import io.tollgate.tenant.crypto.MasterKey;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.store.TenantStore;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rotating the master key end to end: values sealed with key A, a server with B current and A previous re-encrypts
 * them (in parts, alongside a row someone else holds locked), and then a server that has only B reads everything.
 */
class KeyRotationTest {
    private static final String A = MasterKey.generateBase64();
    private static final String B = MasterKey.generateBase64();
    private static final String A_ID = MasterKey.fromBase64(A).id();
    private static final String B_ID = MasterKey.fromBase64(B).id();

    @Test
    void oldKeyValuesAreReencryptedResumablyAndTheOldKeyCanThenBeRemoved() throws Exception {
        try (TestDatabase db = TestDatabase.empty()) {
            Map<String, String> env = TestServers.env(db.jdbcUrl(), db.user(), db.password());
            env.put("TOLLGATE_MASTER_KEY", A);
            Webhooks.TestTenant north;
            Webhooks.TestTenant south;
            try (Tollgate onA = Tollgate.start(AppConfig.load(env))) {
                north = Webhooks.create(onA, "rekey-north", "shpss_north_0123456789", null);
                south = Webhooks.create(onA, "rekey-south", "shpss_south_0123456789", null);
                // a rotation leaves two Shopify secrets for north: both are sealed values to move
                HttpResponse<String> rotated = Webhooks.admin(
                        onA, "POST", "/admin/tenants/rekey-north/secrets/rotate",
                        "{\"provider\": \"shopify\", \"grace_seconds\": 3600,"
                                + " \"webhook_secret\": \"shpss_north_next_0123\"}");
                assertThat(rotated.statusCode()).isEqualTo(200);
            }
            long sealed = count(db, "SELECT (SELECT count(*) FROM gorgias_credentials) + (SELECT count(*) FROM"
                    + " shopify_credentials) + (SELECT count(*) FROM webhook_secrets)");
            assertThat(sealed).isEqualTo(9);

            Map<String, String> rotating = new HashMap<>(env);
            rotating.put("TOLLGATE_MASTER_KEY", B);
            rotating.put("TOLLGATE_PREVIOUS_MASTER_KEYS", A);
            try (Tollgate onB = Tollgate.start(AppConfig.load(rotating))) {
                AdminClient admin = new AdminClient(onB);
                JsonNode before = admin.get("/admin/keys").json();
                assertThat(before.get("current_key_id").asText()).isEqualTo(B_ID);
                assertThat(key(before, A_ID).get("credentials").asLong()).isEqualTo(sealed);
                assertThat(key(before, A_ID).get("current").asBoolean()).isFalse();
                assertThat(key(before, A_ID).get("configured").asBoolean()).isTrue();
                assertThat(key(before, B_ID).get("credentials").asLong()).isZero();
                // a tenant created now is sealed with B at once
                Webhooks.TestTenant east = Webhooks.create(onB, "rekey-east", "shpss_east_0123456789", null);
                assertThat(key(admin.get("/admin/keys").json(), B_ID).get("credentials").asLong()).isEqualTo(4);

                // part of the work, then an interruption: the next call continues with what is left
                JsonNode part = admin.post("/admin/keys/reencrypt?limit=3", null).json();
                assertThat(part.get("rewritten").asInt()).isEqualTo(3);
                assertThat(part.get("remaining").asLong()).isEqualTo(sealed - 3);
                assertThat(part.get("done").asBoolean()).isFalse();

                // another instance (or an operator's change) holds one of south's rows: it is skipped, not waited for.
                // Webhook secrets come after both credentials tables, so the first 3 values did not include it.
                try (Connection holder = db.connect()) {
                    holder.setAutoCommit(false);
                    try (PreparedStatement ps = holder.prepareStatement(
                            "SELECT 1 FROM webhook_secrets WHERE provider = 'gorgias' AND tenant_id = (SELECT id"
                                    + " FROM tenants WHERE slug = 'rekey-south') FOR UPDATE")) {
                        try (ResultSet rs = ps.executeQuery()) {
                            assertThat(rs.next()).isTrue();
                            assertThat(rs.next()).isFalse();
                        }
                    }
                    JsonNode rest = admin.post("/admin/keys/reencrypt", null).json();
                    assertThat(rest.get("failed").asInt()).isZero();
                    assertThat(rest.get("remaining").asLong()).as(rest.toString()).isEqualTo(1);
                    assertThat(rest.get("rewritten").asInt()).isEqualTo((int) sealed - 3 - 1);
                    holder.commit();
                }
                JsonNode last = admin.post("/admin/keys/reencrypt", null).json();
                assertThat(last.get("rewritten").asInt()).isEqualTo(1);
                assertThat(last.get("done").asBoolean()).isTrue();
                assertThat(key(last.get("keys"), A_ID).get("credentials").asLong()).isZero();
                assertThat(key(last.get("keys"), B_ID).get("credentials").asLong()).isEqualTo(sealed + 4);
                // nothing left: another run changes nothing
                JsonNode again = admin.post("/admin/keys/reencrypt", null).json();
                assertThat(again.get("rewritten").asInt()).isZero();
                assertThat(again.get("done").asBoolean()).isTrue();
                // each call is audited (the row is written just after the answer: wait for the last one)
                assertThat(eventually(() -> count(db, "SELECT count(*) FROM audit_log WHERE action = 'keys.reencrypt'"
                        + " AND outcome = 'success'"), 4L)).isEqualTo(4);
                assertThat(east.slug()).isEqualTo("rekey-east");
            }

            // A is gone from the configuration: everything still opens, the plaintexts are the ones given
            Map<String, String> onlyB = new HashMap<>(env);
            onlyB.put("TOLLGATE_MASTER_KEY", B);
            try (Tollgate onB = Tollgate.start(AppConfig.load(onlyB));
                 Database pool = Database.open(db.settings())) {
                AdminClient admin = new AdminClient(onB);
                for (String slug : List.of("rekey-north", "rekey-south", "rekey-east")) {
                    assertThat(admin.get("/admin/tenants/" + slug).status()).isEqualTo(200);
                }
                TenantStore store = new TenantStore(pool, new CredentialCipher(MasterKey.fromBase64(B)));
                ResolvedTenant n = store.findBySlugUnscoped("rekey-north").orElseThrow();
                assertThat(n.gorgias().apiKey().reveal()).isEqualTo("gk-rekey-north-0123456789");
                assertThat(n.shopify().accessToken().reveal()).isEqualTo("shpat_rekey-north_0123456789");
                ResolvedTenant s = store.findBySlugUnscoped("rekey-south").orElseThrow();
                assertThat(s.gorgias().apiKey().reveal()).isEqualTo("gk-rekey-south-0123456789");

                // ingress verifies with the re-sealed webhook secrets, both of north's Shopify secrets included
                byte[] body = "{\"ticket_id\": 1, \"message_id\": 2}".getBytes(StandardCharsets.UTF_8);
                assertThat(Webhooks.post(onB, "/webhooks/rekey-south/gorgias", body,
                                         "X-Tollgate-Token", south.gorgiasSecret()).statusCode()).isEqualTo(202);
                byte[] order = "{\"id\": 1}".getBytes(StandardCharsets.UTF_8);
                for (String secret : List.of("shpss_north_0123456789", "shpss_north_next_0123")) {
                    assertThat(Webhooks.post(onB, "/webhooks/rekey-north/shopify", order,
                                             "X-Shopify-Hmac-Sha256", Webhooks.shopifyHmac(secret, order),
                                             "X-Shopify-Shop-Domain", north.shopDomain(),
                                             "X-Shopify-Topic", "orders/create",
                                             "X-Shopify-Event-Id", UUID.randomUUID().toString()).statusCode())
                            .isEqualTo(202);
                }
                JsonNode keys = admin.get("/admin/keys").json();
                assertThat(keys.get("items").size()).isEqualTo(1);
                assertThat(key(keys, B_ID).get("current").asBoolean()).isTrue();
            }
        }
    }

    @Test
    void valuesUnderAKeyThisServerLacksAreReportedNotTouched() throws Exception {
        try (TestDatabase db = TestDatabase.empty()) {
            Map<String, String> env = TestServers.env(db.jdbcUrl(), db.user(), db.password());
            env.put("TOLLGATE_MASTER_KEY", A);
            try (Tollgate onA = Tollgate.start(AppConfig.load(env))) {
                Webhooks.create(onA, "lost-key", "shpss_lost_0123456789", null);
            }
            Map<String, String> wrong = new HashMap<>(env);
            wrong.put("TOLLGATE_MASTER_KEY", B);
            try (Tollgate onB = Tollgate.start(AppConfig.load(wrong))) {
                AdminClient admin = new AdminClient(onB);
                JsonNode keys = admin.get("/admin/keys").json();
                assertThat(key(keys, A_ID).get("configured").asBoolean()).isFalse();
                assertThat(key(keys, A_ID).get("credentials").asLong()).isEqualTo(4);

                JsonNode run = admin.post("/admin/keys/reencrypt", null).json();
                assertThat(run.get("failed").asInt()).isEqualTo(4);
                assertThat(run.get("rewritten").asInt()).isZero();
                assertThat(run.get("remaining").asLong()).isEqualTo(4);
                assertThat(run.get("done").asBoolean()).isFalse();
                assertThat(admin.post("/admin/keys/reencrypt?limit=0", null).status()).isEqualTo(400);
            }
            // untouched: the right key still opens them
            env.put("TOLLGATE_MASTER_KEY", A);
            try (Tollgate onA = Tollgate.start(AppConfig.load(env))) {
                assertThat(new AdminClient(onA).get("/admin/tenants/lost-key").status()).isEqualTo(200);
            }
        }
    }

    private static JsonNode key(JsonNode keys, String id) {
        for (JsonNode k : keys.get("items")) {
            if (k.get("key_id").asText().equals(id)) {
                return k;
            }
        }
        throw new AssertionError("no key " + id + " in " + keys);
    }

    interface Query {
        long run() throws Exception;
    }

    /** The query's value once it is {@code expected}, or its last value after 10 s. */
    private static long eventually(Query q, long expected) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        long v = q.run();
        while (v != expected && System.nanoTime() < deadline) {
            Thread.sleep(50);
            v = q.run();
        }
        return v;
    }

    private static long count(TestDatabase db, String sql) throws Exception {
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            assertThat(rs.next()).isTrue();
            return rs.getLong(1);
        }
    }
}
