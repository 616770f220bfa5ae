package io.tollgate.tenant.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.Secret;
import io.tollgate.tenant.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class WebhookVerifierTest {
    private static final Secret SECRET = Secret.of("test_secret_key");

    static HeaderLookup headers(String... kv) {
        Map<String, String> m = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return name -> Optional.ofNullable(m.get(name));
    }

    @Test
    void shopifyAcceptsItsPublishedTestVector() throws Exception {
        JsonNode vector = new ObjectMapper().readTree(
                Fixtures.bytes("shopify-hmac-test-vectors.json")).get("vectors").get(0);
        byte[] body = vector.get("body").asText().getBytes(StandardCharsets.UTF_8);
        String header = vector.get("expected_header_X-Shopify-Hmac-Sha256").asText();
        assertThat(header).isEqualTo("B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=");

        assertThat(WebhookVerifier.SHOPIFY.verify(headers("x-shopify-hmac-sha256", header), body,
                                                  List.of(Secret.of(vector.get("secret").asText())))).isTrue();
        assertThat(((HmacVerifier) WebhookVerifier.SHOPIFY).sign(SECRET, body)).isEqualTo(header);
    }

    @Test
    void shopifyRejectsTamperedBodyWrongSecretAndGarbage() {
        byte[] body = "{\"foo\": \"bar\"}".getBytes(StandardCharsets.UTF_8);
        String good = "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=";
        WebhookVerifier v = WebhookVerifier.SHOPIFY;
        assertThat(v.verify(headers("X-Shopify-Hmac-Sha256", good), "{\"foo\": \"baz\"}".getBytes(), List.of(SECRET)))
                .isFalse();
        assertThat(v.verify(headers("X-Shopify-Hmac-Sha256", good), body, List.of(Secret.of("other")))).isFalse();
        assertThat(v.verify(headers("X-Shopify-Hmac-Sha256", "not base64!"), body, List.of(SECRET))).isFalse();
        assertThat(v.verify(headers("X-Shopify-Hmac-Sha256", "c2hvcnQ="), body, List.of(SECRET))).isFalse();
        assertThat(v.verify(headers(), body, List.of(SECRET))).isFalse();
        assertThat(v.verify(headers("X-Shopify-Hmac-Sha256", good), body, List.of())).isFalse();
    }

    @Test
    void escapedSlashesVerifyOnlyAsSent() {
        String asSent = "{\"url\":\"https:\\/\\/shop.example\\/orders\\/1\"}";
        String reserialised = "{\"url\":\"https://shop.example/orders/1\"}";
        String header = ((HmacVerifier) WebhookVerifier.SHOPIFY).sign(SECRET, asSent.getBytes(StandardCharsets.UTF_8));
        assertThat(WebhookVerifier.SHOPIFY.verify(headers("X-Shopify-Hmac-Sha256", header),
                                                  asSent.getBytes(StandardCharsets.UTF_8), List.of(SECRET))).isTrue();
        assertThat(WebhookVerifier.SHOPIFY.verify(headers("X-Shopify-Hmac-Sha256", header),
                                                  reserialised.getBytes(StandardCharsets.UTF_8), List.of(SECRET)))
                .isFalse();
    }

    @Test
    void eitherRotationSecretVerifies() {
        byte[] body = "{}".getBytes();
        Secret old = Secret.of("old-secret-0123456789");
        Secret fresh = Secret.of("new-secret-0123456789");
        HmacVerifier shopify = (HmacVerifier) WebhookVerifier.SHOPIFY;
        assertThat(shopify.verify(headers("X-Shopify-Hmac-Sha256", shopify.sign(old, body)), body,
                                  List.of(fresh, old))).isTrue();
        assertThat(shopify.verify(headers("X-Shopify-Hmac-Sha256", shopify.sign(old, body)), body,
                                  List.of(fresh))).isFalse();
    }

    @Test
    void gorgiasAcceptsHexSignatureWithOrWithoutPrefixOrTheToken() {
        byte[] body = "{\"ticket\": {\"id\": 1}}".getBytes(StandardCharsets.UTF_8);
        Secret secret = Secret.of("tgws_gorgias-secret");
        String hex = new HmacVerifier("X-Gorgias-Signature", HmacVerifier.Encoding.HEX, "sha256=").sign(secret, body);
        assertThat(hex).matches("[0-9a-f]{64}");
        WebhookVerifier g = WebhookVerifier.forProvider(Provider.GORGIAS);
        assertThat(g.verify(headers("X-Gorgias-Signature", hex), body, List.of(secret))).isTrue();
        assertThat(g.verify(headers("X-Gorgias-Signature", "sha256=" + hex), body, List.of(secret))).isTrue();
        assertThat(g.verify(headers("X-Tollgate-Token", "tgws_gorgias-secret"), body, List.of(secret))).isTrue();
        assertThat(g.verify(headers("X-Tollgate-Token", "tgws_gorgias-secreT"), body, List.of(secret))).isFalse();
        assertThat(g.verify(headers("X-Tollgate-Token", ""), body, List.of(secret))).isFalse();
        assertThat(g.verify(headers("X-Gorgias-Signature", hex), "{}".getBytes(), List.of(secret))).isFalse();
        assertThat(g.verify(headers(), body, List.of(secret))).isFalse();
    }

    @Test
    void eachProviderHasItsPreset() {
        assertThat(WebhookVerifier.forProvider(Provider.SHOPIFY)).isSameAs(WebhookVerifier.SHOPIFY);
        assertThat(WebhookVerifier.forProvider(Provider.GORGIAS)).isSameAs(WebhookVerifier.GORGIAS);
    }

    @Test
    void headersAloneRefuseWhatNoBodyCouldMakeAuthentic() {
        List<Secret> secrets = List.of(SECRET);
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        String signature = ((HmacVerifier) WebhookVerifier.SHOPIFY).sign(SECRET, body);
        assertThat(WebhookVerifier.SHOPIFY.precheck(headers(), secrets)).isEqualTo(WebhookVerifier.Precheck.FORGED);
        assertThat(WebhookVerifier.SHOPIFY.precheck(headers("X-Shopify-Hmac-Sha256", "not base64!"), secrets))
                .isEqualTo(WebhookVerifier.Precheck.FORGED);
        assertThat(WebhookVerifier.SHOPIFY.precheck(headers("X-Shopify-Hmac-Sha256", "c2hvcnQ="), secrets))
                .as("decodes, but not to 32 bytes").isEqualTo(WebhookVerifier.Precheck.FORGED);
        // a signature of the right shape needs the body, and never reads as forged when it would verify
        assertThat(WebhookVerifier.SHOPIFY.precheck(headers("X-Shopify-Hmac-Sha256", signature), secrets))
                .isEqualTo(WebhookVerifier.Precheck.NEEDS_BODY);
        assertThat(WebhookVerifier.SHOPIFY.verify(headers("X-Shopify-Hmac-Sha256", signature), body, secrets))
                .isTrue();

        assertThat(WebhookVerifier.GORGIAS.precheck(headers("X-Tollgate-Token", "test_secret_key"), secrets))
                .isEqualTo(WebhookVerifier.Precheck.AUTHENTIC);
        assertThat(WebhookVerifier.GORGIAS.precheck(headers("X-Tollgate-Token", "wrong"), secrets))
                .isEqualTo(WebhookVerifier.Precheck.FORGED);
        assertThat(WebhookVerifier.GORGIAS.precheck(headers(), secrets)).isEqualTo(WebhookVerifier.Precheck.FORGED);
        String hex = new HmacVerifier("X-Gorgias-Signature", HmacVerifier.Encoding.HEX, "sha256=").sign(SECRET, body);
        assertThat(WebhookVerifier.GORGIAS.precheck(headers("X-Tollgate-Token", "wrong",
                                                            "X-Gorgias-Signature", "sha256=" + hex), secrets))
                .as("a wrong token does not refuse a signature that may verify")
                .isEqualTo(WebhookVerifier.Precheck.NEEDS_BODY);
    }
}
