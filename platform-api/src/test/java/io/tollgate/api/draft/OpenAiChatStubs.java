package io.tollgate.api.draft;

import com.fasterxml.jackson.databind.node.TextNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.not;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;

/**
 * Makes a WireMock server refuse what OpenAI's chat-completions endpoint refuses, above any answer a test stubs: a
 * request without {@code model} or without {@code messages} (both required,
 * https://platform.openai.com/docs/api-reference/chat/create) gets {@code 400} with OpenAI's error object
 * {@code {"error": {"message", "type": "invalid_request_error", "param", "code"}}}
 * (https://platform.openai.com/docs/guides/error-codes). {@link #throttle} answers {@code 429} with
 * {@code Retry-After} and the {@code rate_limit_exceeded} error, as OpenAI does when a rate limit is reached.
 */
public final class OpenAiChatStubs {
    private OpenAiChatStubs() {
    }

    /** The 400s for a request missing a required field, at a priority above every other stub of {@code path}. */
    public static void install(WireMockServer server, String path) {
        server.stubFor(post(urlEqualTo(path)).atPriority(1)
                               .withRequestBody(not(matchingJsonPath("$.model")))
                               .willReturn(error(400, "you must provide a model parameter", "invalid_request_error",
                                                 null, null)));
        server.stubFor(post(urlEqualTo(path)).atPriority(1)
                               .withRequestBody(not(matchingJsonPath("$.messages")))
                               .willReturn(error(400, "Missing required parameter: 'messages'.",
                                                 "invalid_request_error", "messages",
                                                 "missing_required_parameter")));
    }

    /** Every well-formed request to {@code path} answers 429 with {@code Retry-After: seconds}. */
    public static void throttle(WireMockServer server, String path, int seconds, String echoed) {
        server.stubFor(post(urlEqualTo(path)).atPriority(2).willReturn(
                error(429, "Rate limit reached for requests; " + echoed, "requests", null, "rate_limit_exceeded")
                        .withHeader("Retry-After", String.valueOf(seconds))));
    }

    private static ResponseDefinitionBuilder error(int status, String message, String type, String param,
                                                   String code) {
        String body = "{\"error\": {\"message\": " + quote(message) + ", \"type\": " + quote(type) + ", \"param\": "
                + quote(param) + ", \"code\": " + quote(code) + "}}";
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body);
    }

    private static String quote(String s) {
        return s == null ? "null" : TextNode.valueOf(s).toString();
    }
}
