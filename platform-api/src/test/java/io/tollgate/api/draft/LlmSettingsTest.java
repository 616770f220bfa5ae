package io.tollgate.api.draft;

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
        assertThat(new LlmDraftWriter(s).toString()).isEqualTo(
                "LlmDraftWriter[https://api.openai.com, model gpt-4o-mini]");

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
    void aWriterNeedsAUrl() {
        assertThatThrownBy(() -> new LlmDraftWriter(LlmSettings.DISABLED)).isInstanceOf(IllegalArgumentException.class);
    }
}
