package io.tollgate.api.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.api.Webhooks;
import io.tollgate.api.draft.Drafting;
import io.tollgate.api.draft.OpenAiChatStubs;
import io.tollgate.api.http.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Notes written with a model configured, through the whole pipeline: the model (an OpenAI-style chat-completions stub
 * that refuses a request without {@code model} or {@code messages}) answers one ticket and dribbles its answer to
 * another past {@code TOLLGATE_LLM_TIMEOUT_MS}. Each note says which writer wrote it.
 */
class ModelNotesTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String PATH = "/v1/chat/completions";
    private static final String MODEL = "gpt-test-mini";
    private static Pipeline p;

    @BeforeAll
    static void start() {
        p = Pipeline.create(Map.of());
        OpenAiChatStubs.install(p.stub, PATH);
        p.startServer(Map.of("TOLLGATE_LLM_URL", "http://127.0.0.1:" + p.stub.port() + PATH,
                             "TOLLGATE_LLM_MODEL", MODEL, "TOLLGATE_LLM_TIMEOUT_MS", "1000"));
    }

    @AfterAll
    static void stop() {
        p.close();
    }

    private static String answer(String content) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("id", "chatcmpl-1").put("object", "chat.completion").put("model", MODEL);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0).put("finish_reason", "stop");
        choice.putObject("message").put("role", "assistant").put("content", content);
        return root.toString();
    }

    private static JsonNode note(long ticket) {
        return Webhooks.json(p.notePosts(ticket).getFirst().getBodyAsString());
    }

    @Test
    void theModelsNoteNamesTheModel() {
        p.stub.stubFor(post(urlEqualTo(PATH)).withRequestBody(containing("Prompt model answers"))
                               .willReturn(okJson(answer("Hi Bob, order #1001 has shipped."))));
        Pipeline.Tenant t = p.tenant("model-notes-fast");
        long ticket = 46_000_000_001L;

        p.deliverProcessed(t, Pipeline.ticket(ticket, 56_000_000_001L, "Prompt model answers", "Where is #1001?"),
                           "wh-model-fast", WAIT);

        JsonNode note = note(ticket);
        assertThat(note.get("body_text").asText()).contains("order #1001 has shipped")
                .endsWith("\n\n" + Drafting.MODEL_LINE + MODEL);
        assertThat(note.get("body_html").asText()).endsWith("<p>" + Drafting.MODEL_LINE + MODEL + "</p>");
    }

    @Test
    void aModelThatDribblesPastTheDeadlineGetsTheTemplatesNoteNamingTheTemplate() {
        // the head after half the deadline, then the body a chunk at a time over ten seconds
        p.stub.stubFor(post(urlEqualTo(PATH)).withRequestBody(containing("Dribbling model"))
                               .willReturn(okJson(answer("too slow " + "word ".repeat(100))).withFixedDelay(500)
                                                   .withChunkedDribbleDelay(50, 10_000)));
        Pipeline.Tenant t = p.tenant("model-notes-slow");
        long ticket = 46_000_000_002L;

        p.deliverProcessed(t, Pipeline.ticket(ticket, 56_000_000_002L, "Dribbling model", "Where is #1001?"),
                           "wh-model-slow", WAIT);

        JsonNode note = note(ticket);
        assertThat(note.get("body_text").asText()).contains("#1001").doesNotContain("too slow")
                .endsWith("\n\n" + Drafting.TEMPLATE_LINE);
        assertThat(note.get("body_html").asText()).endsWith("<p>" + Drafting.TEMPLATE_LINE + "</p>");
        assertThat(p.notePosts(ticket)).hasSize(1);
    }
}
