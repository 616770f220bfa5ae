package io.tollgate.api.draft;

import io.tollgate.api.observe.ProcessMeters;
import io.tollgate.api.upstream.UpstreamMetrics;
import io.tollgate.api.upstream.UpstreamSettings;
import io.tollgate.tenant.Secret;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LlmSettingsTest {
    private static final URI URL = URI.create("https://api.openai.com/v1/chat/completions");

    @Test
    void disabledHasNoUrlAndTheDefaults() {
        assertThat(LlmSettings.DISABLED.enabled()).isFalse();
        assertThat(LlmSettings.DISABLED.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(LlmSettings.DISABLED.maxChars()).isEqualTo(2000);
        assertThat(LlmSettings.DISABLED.dailyBudget()).isEqualTo(200);
    }

    @Test
    void theKeyNeverPrintsAndAnEmptyKeyIsNoKey() {
        LlmSettings s = LlmSettings.of(URL, "gpt-4o-mini", Optional.of(Secret.of("sk-live-very-secret-1234")));
        assertThat(s.enabled()).isTrue();
        assertThat(s.toString()).doesNotContain("sk-live-very-secret-1234");
        try (LlmClient client = client(s)) {
            assertThat(new LlmDraftWriter(new LlmPrompt(s), client).toString()).isEqualTo(
                    "LlmDraftWriter[https://api.openai.com, model gpt-4o-mini]");
        }

        assertThat(LlmSettings.of(URL, "m", Optional.of(Secret.of(""))).apiKey()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://models.example/v1", "/v1/chat/completions", "https://user:pw@models.example/v1",
            "file:///etc/passwd"})
    void aUrlThatIsNotAPlainHttpUrlIsRefused(String url) {
        assertThatThrownBy(() -> LlmSettings.of(URI.create(url), "m", Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("pw");
    }

    @Test
    void nonsenseLimitsAreRefused() {
        LlmSettings s = LlmSettings.of(URL, "m", Optional.empty());
        assertThatThrownBy(() -> s.withTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.withMaxChars(199)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.withDailyBudget(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LlmSettings.of(URL, " ", Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(s.withDailyBudget(0).dailyBudget()).isZero();
    }

    @Test
    void aClientNeedsAUrl() {
        assertThatThrownBy(() -> client(LlmSettings.DISABLED)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theModelsTimeoutIsTheWholeCallsDeadlineWithHalfOfItToConnect() {
        UpstreamSettings caller = LlmClient.settings(LlmSettings.of(URL, "m", Optional.empty())
                                                             .withTimeout(Duration.ofMillis(1500)),
                                                     UpstreamSettings.DEFAULTS);
        UpstreamSettings patient = LlmClient.settings(LlmSettings.of(URL, "m", Optional.empty())
                                                              .withTimeout(Duration.ofSeconds(60)),
                                                      UpstreamSettings.DEFAULTS);

        assertThat(caller.connectTimeout()).isEqualTo(Duration.ofMillis(750));
        assertThat(patient.connectTimeout()).as("never longer than the other upstreams' connect timeout")
                .isEqualTo(UpstreamSettings.DEFAULTS.connectTimeout());
        assertThat(patient.callTimeout()).contains(Duration.ofSeconds(60));
        assertThat(caller.readTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(caller.callTimeout()).contains(Duration.ofMillis(1500));
        assertThat(caller.maxAnswerBytes()).isEqualTo(LlmClient.MAX_ANSWER_BYTES);
        assertThat(caller.breakerVolume()).isEqualTo(UpstreamSettings.DEFAULTS.breakerVolume());
        assertThat(caller.breakerDelay()).isEqualTo(UpstreamSettings.DEFAULTS.breakerDelay());
        assertThat(caller.defaultRetryAfter()).isEqualTo(UpstreamSettings.DEFAULTS.defaultRetryAfter());
        assertThat(UpstreamSettings.DEFAULTS.callTimeout()).as("Gorgias and Shopify: no limit on the whole call")
                .isEmpty();
    }

    private static LlmClient client(LlmSettings settings) {
        return new LlmClient(settings, UpstreamSettings.DEFAULTS, new UpstreamMetrics(ProcessMeters.registry()));
    }
}
