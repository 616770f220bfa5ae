package io.tollgate.api.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The single-pass scan never accepts what Jackson refuses, and finds the same Gorgias context: checked on hand-picked
 * edge cases and on many deterministic mutations of real bodies. What it does not accept goes to Jackson, so the
 * check's verdict is Jackson's.
 */
class JsonCheckTest {
    private static final JsonFactory JACKSON = new JsonFactory();

    @Test
    void theScanAcceptsOnlyWhatJacksonAcceptsOnEdgeCases() {
        List<String> cases = List.of(
                "{}", " {} ", "{}x", "{} {}", "[]", "\"x\"", "1", "", " ", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}",
                "{\"a\":01}", "{\"a\":-0}", "{\"a\":-}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e5}", "{\"a\":1E+5}",
                "{\"a\":1e}", "{\"a\":+1}", "{\"a\":1x}", "{\"a\":truex}", "{\"a\":true}", "{\"a\":nul}",
                "{\"a\":NaN}", "{\"a\":\"\\u00e9\"}", "{\"a\":\"\\u00g9\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\t\"}",
                "{\"a\":[1,2,[3,{\"b\":null}]]}", "{\"a\":[1,]}", "{\"a\":[,1]}", "{'a':1}", "{a:1}",
                "{\"a\":1}\u0000", "{\"a\":1} // c", "{\"a\":\"\\\"\"}", "{\"ticket\":{}}", "{\"x\":1,\"message\":{}}",
                "{\"tick\\u0065t\":{}}", "{\"message\":1,\"ticket\":2}", "{\"a\":{\"ticket\":1}}", "\uFEFF{}",
                "{\"a\":\"\uD83D\uDE00 é\"}", "{\"a\":" + "[".repeat(300) + "]".repeat(300) + "}",
                "{\"a\":" + "[".repeat(1200) + "]".repeat(1200) + "}", "{\"a\":1" + "0".repeat(2000) + "}");
        for (String c : cases) {
            agree(c.getBytes(StandardCharsets.UTF_8));
        }
        // bytes that are not UTF-8 inside a string: overlong, surrogate, truncated, stray continuation
        for (byte[] bad : List.of(new byte[] {(byte) 0xc0, (byte) 0xaf}, new byte[] {(byte) 0xed, (byte) 0xa0,
                (byte) 0x80}, new byte[] {(byte) 0xe2, (byte) 0x82}, new byte[] {(byte) 0x80},
                                  new byte[] {(byte) 0xf5, (byte) 0x80, (byte) 0x80, (byte) 0x80})) {
            byte[] body = new byte[bad.length + 9];
            byte[] head = "{\"a\":\"".getBytes(StandardCharsets.UTF_8);
            System.arraycopy(head, 0, body, 0, head.length);
            System.arraycopy(bad, 0, body, head.length, bad.length);
            body[head.length + bad.length] = '"';
            body[head.length + bad.length + 1] = '}';
            agree(java.util.Arrays.copyOf(body, head.length + bad.length + 2));
        }
    }

    @Test
    void theScanAcceptsOnlyWhatJacksonAcceptsOnMutatedBodies() throws IOException {
        List<byte[]> seeds = new ArrayList<>();
        seeds.add(Files.readAllBytes(Path.of("../bench/order.json")));
        seeds.add("{\"ticket\": {\"id\": 1, \"messages\": [{\"body_text\": \"h\\u00e9 \\\"x\\\"\", \"n\": -1.5e-3}]}}"
                          .getBytes(StandardCharsets.UTF_8));
        seeds.add("{\"message\": {\"a\": [true, false, null, 0, \"é😀\"]}}".getBytes(StandardCharsets.UTF_8));
        Random random = new Random(19);
        byte[] alphabet = "{}[]\":,.-+eE0123456789 \\u\ttrfn\u0001".getBytes(StandardCharsets.ISO_8859_1);
        int accepted = 0;
        for (int n = 0; n < 20_000; n++) {
            byte[] seed = seeds.get(n % seeds.size());
            byte[] body = seed.clone();
            int edits = 1 + random.nextInt(3);
            for (int e = 0; e < edits; e++) {
                int at = random.nextInt(body.length);
                body[at] = random.nextInt(4) == 0 ? (byte) random.nextInt(256)
                        : alphabet[random.nextInt(alphabet.length)];
            }
            if (agree(body)) {
                accepted++;
            }
        }
        for (byte[] seed : seeds) {
            assertThat(new JsonCheck.Scan(seed).document()).as("a real body takes the single pass").isTrue();
        }
        assertThat(accepted).as("some mutations stay valid (the check is not vacuous)").isPositive();
    }

    /** The scan's "certainly valid" implies Jackson's, with the same context; returns whether Jackson accepts. */
    private static boolean agree(byte[] body) {
        JsonCheck.Scan scan = new JsonCheck.Scan(body);
        boolean fast = scan.document();
        Optional<String> jackson = jackson(body);
        if (fast) {
            assertThat(jackson).as("Jackson accepts what the scan accepted: " + show(body)).isPresent();
            assertThat(Optional.ofNullable(scan.topic).orElse("ticket")).as(show(body)).isEqualTo(jackson.get());
        }
        JsonCheck.Result result = JsonCheck.check(body);
        assertThat(result.valid()).as("the check's verdict is Jackson's: " + show(body)).isEqualTo(jackson.isPresent());
        jackson.ifPresent(topic -> assertThat(result.gorgiasTopic()).contains(topic));
        return jackson.isPresent();
    }

    /** The reference: Jackson's streaming parser over one top-level object; the context it names, or empty. */
    private static Optional<String> jackson(byte[] body) {
        try (JsonParser p = JACKSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            String topic = null;
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_OBJECT) {
                if (t == JsonToken.FIELD_NAME) {
                    if (topic == null && ("ticket".equals(p.currentName()) || "message".equals(p.currentName()))) {
                        topic = p.currentName();
                    }
                    p.nextToken();
                    p.skipChildren();
                }
            }
            return p.nextToken() == null ? Optional.of(topic == null ? "ticket" : topic) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String show(byte[] body) {
        String s = new String(body, StandardCharsets.UTF_8);
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
