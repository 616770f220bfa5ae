package io.tollgate.tenant.db;

import io.tollgate.tenant.Secret;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** A URL shown in a start-up error never shows a password written into it. */
class DatabaseSettingsTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "jdbc:postgresql://db:5432/tollgate | jdbc:postgresql://db:5432/tollgate",
            "jdbc:postgresql://db/tollgate?password=hunter2 | jdbc:postgresql://db/tollgate?password=***",
            "jdbc:postgresql://db/t?user=app&password=hunter2&ssl=true | jdbc:postgresql://db/t?user=app&password=***&ssl=true",
            "jdbc:postgresql://db/t?sslpassword=hunter2&PASSWORD=hunter2 | jdbc:postgresql://db/t?sslpassword=***&PASSWORD=***",
            "jdbc:postgresql://app:hunter2@db:5432/t | jdbc:postgresql://app:***@db:5432/t",
            "jdbc:postgresql://app@db:5432/t | jdbc:postgresql://app@db:5432/t",
    })
    void passwordsInTheUrlAreMasked(String url, String shown) {
        DatabaseSettings settings = new DatabaseSettings(url, "app", Secret.of("hunter2"), 2, Duration.ofSeconds(1));
        assertThat(settings.redactedUrl()).isEqualTo(shown).doesNotContain("hunter2");
    }
}
