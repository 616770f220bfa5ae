package io.tollgate.api.config;

import io.tollgate.api.Main;
import io.tollgate.tenant.crypto.MasterKey;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AppConfigTest {
    private static Map<String, String> production() {
        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", "jdbc:postgresql://db.internal:5432/tollgate");
        env.put("TOLLGATE_MASTER_KEY", MasterKey.generateBase64());
        env.put("TOLLGATE_ADMIN_TOKEN", "an-operator-token-of-enough-length");
        return env;
    }

    @Test
    void defaultsComeFromApplicationYaml() {
        AppConfig c = AppConfig.load(Map.of());
        assertThat(c.server().port()).isEqualTo(8080);
        assertThat(c.server().host()).as("local mode: this machine only").isEqualTo("127.0.0.1");
        assertThat(c.database().url()).isEmpty();
        assertThat(c.database().poolSize()).isEqualTo(16);
        assertThat(c.database().connectTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.database().adminPoolSize()).isEqualTo(4);
        assertThat(c.ingress().queueMax()).isEqualTo(512);
        assertThat(c.ingress().retention()).isEqualTo(Duration.ofDays(7));
        assertThat(c.ingress().deadRetention()).as("unfinished work outlives the event retention")
                .isEqualTo(Duration.ofDays(30));
        assertThat(c.ingress().sweepDuty()).isEqualTo(0.2);
        assertThat(c.upstreams().allowOverride()).isFalse();
        assertThat(c.cors().origins()).isEmpty();
        assertThat(c.dataDir()).isEqualTo(Path.of(".tollgate"));
    }

    @Test
    void environmentOverridesDefaults() {
        Map<String, String> env = production();
        env.put("PORT", "9090");
        env.put("TOLLGATE_DB_POOL_SIZE", "32");
        env.put("TOLLGATE_ADMIN_DB_POOL_SIZE", "3");
        env.put("TOLLGATE_INGEST_QUEUE_MAX", "100");
        env.put("TOLLGATE_DEAD_RETENTION_DAYS", "45");
        env.put("TOLLGATE_ALLOW_UPSTREAM_OVERRIDE", "true");
        env.put("CORS_ORIGINS", "https://ops.example.com, http://localhost:3000");
        AppConfig c = AppConfig.load(env);
        assertThat(c.server().port()).isEqualTo(9090);
        assertThat(c.database().poolSize()).isEqualTo(32);
        assertThat(c.database().adminPoolSize()).isEqualTo(3);
        assertThat(c.database().adminSettings().maxPoolSize()).isEqualTo(3);
        assertThat(c.database().adminSettings().jdbcUrl()).isEqualTo(c.database().settings().jdbcUrl());
        assertThat(c.ingress().queueMax()).isEqualTo(100);
        assertThat(c.ingress().deadRetention()).isEqualTo(Duration.ofDays(45));
        assertThat(c.upstreams().allowOverride()).isTrue();
        assertThat(c.cors().origins()).containsExactly(URI.create("https://ops.example.com"),
                                                       URI.create("http://localhost:3000"));
    }

    @Test
    void malformedMasterKeyStopsTheBootNamingTheSetting() {
        Map<String, String> env = production();
        env.put("TOLLGATE_MASTER_KEY", "definitely-not-a-key");
        assertThatThrownBy(() -> Main.boot(env))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("TOLLGATE_MASTER_KEY: ")
                .hasMessageNotContaining("definitely-not-a-key");

        env.put("TOLLGATE_MASTER_KEY", "c2hvcnQ=");
        assertThatThrownBy(() -> Main.boot(env)).hasMessageStartingWith("TOLLGATE_MASTER_KEY: ")
                .hasMessageContaining("32 bytes");
    }

    @Test
    void malformedDatabaseUrlStopsTheBootNamingTheSetting() {
        for (String bad : new String[] {"postgres://user:pw@host/db", "jdbc:mysql://host/db", "jdbc:postgresql://"}) {
            Map<String, String> env = production();
            env.put("DATABASE_URL", bad);
            assertThatThrownBy(() -> Main.boot(env)).as(bad)
                    .isInstanceOf(ConfigException.class)
                    .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("DATABASE_URL"));
        }
    }

    @Test
    void withADatabaseUrlTheKeysAreRequired() {
        Map<String, String> env = production();
        env.remove("TOLLGATE_MASTER_KEY");
        assertThatThrownBy(() -> AppConfig.load(env)).hasMessageStartingWith("TOLLGATE_MASTER_KEY: is required");
        Map<String, String> env2 = production();
        env2.remove("TOLLGATE_ADMIN_TOKEN");
        assertThatThrownBy(() -> AppConfig.load(env2)).hasMessageStartingWith("TOLLGATE_ADMIN_TOKEN: is required");
    }

    @Test
    void invalidValuesNameTheirSetting() {
        Map<String, Map.Entry<String, String>> cases = Map.of(
                "PORT", Map.entry("PORT", "eighty"),
                "TOLLGATE_DB_POOL_SIZE", Map.entry("TOLLGATE_DB_POOL_SIZE", "0"),
                "TOLLGATE_ADMIN_DB_POOL_SIZE", Map.entry("TOLLGATE_ADMIN_DB_POOL_SIZE", "0"),
                "TOLLGATE_INGEST_QUEUE_MAX", Map.entry("TOLLGATE_INGEST_QUEUE_MAX", "none"),
                "TOLLGATE_ALLOW_UPSTREAM_OVERRIDE", Map.entry("TOLLGATE_ALLOW_UPSTREAM_OVERRIDE", "maybe"),
                "CORS_ORIGINS", Map.entry("CORS_ORIGINS", "*"),
                "TOLLGATE_ADMIN_TOKEN", Map.entry("TOLLGATE_ADMIN_TOKEN", "short"));
        cases.forEach((key, setting) -> {
            Map<String, String> env = production();
            env.put(setting.getKey(), setting.getValue());
            assertThatThrownBy(() -> AppConfig.load(env)).as(key)
                    .isInstanceOf(ConfigException.class)
                    .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(key));
        });
    }

    @Test
    void theLogFormatIsJsonOrTextAndDefaultsToJsonInApplicationYaml() {
        AppConfig.load(Map.of()); // json, from application.yaml
        for (String ok : List.of("json", "text", "TEXT")) {
            Map<String, String> env = production();
            env.put("TOLLGATE_LOG_FORMAT", ok);
            AppConfig.load(env);
        }
        Map<String, String> env = production();
        env.put("TOLLGATE_LOG_FORMAT", "yaml");
        assertThatThrownBy(() -> AppConfig.load(env)).isInstanceOf(ConfigException.class)
                .hasMessage("TOLLGATE_LOG_FORMAT: must be json or text");
    }

    @Test
    void localModeListensOnLoopbackAndAServerWithADatabaseOnAllInterfacesUnlessTold() {
        assertThat(AppConfig.load(Map.of()).server().host()).isEqualTo("127.0.0.1");
        assertThat(AppConfig.load(production()).server().host()).isEqualTo("0.0.0.0");
        assertThat(AppConfig.load(Map.of("TOLLGATE_HOST", "0.0.0.0")).server().host()).isEqualTo("0.0.0.0");
        Map<String, String> env = production();
        env.put("TOLLGATE_HOST", "10.0.0.5");
        assertThat(AppConfig.load(env).server().host()).isEqualTo("10.0.0.5");
    }

    @Test
    void thePublicUrlMustBeHttpsOutsideLocalAndTestMode() {
        Map<String, String> env = production();
        env.put("TOLLGATE_PUBLIC_URL", "http://hooks.example.com");
        assertThatThrownBy(() -> AppConfig.load(env)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("TOLLGATE_PUBLIC_URL: must be an https URL");
        assertThat(AppConfig.load(production()).server().publicUrlRequired()).isTrue();

        env.put("TOLLGATE_PUBLIC_URL", "https://hooks.example.com/");
        AppConfig.Server ok = AppConfig.load(env).server();
        assertThat(ok.publicUrl()).hasValueSatisfying(u -> assertThat(u.toString())
                .isEqualTo("https://hooks.example.com"));
        assertThat(ok.publicUrlRequired()).isTrue();

        env.put("TOLLGATE_PUBLIC_URL", "http://hooks.test:8080");
        env.put("TOLLGATE_ALLOW_UPSTREAM_OVERRIDE", "true");
        assertThat(AppConfig.load(env).server().publicUrlRequired()).as("test mode").isFalse();
        AppConfig local = AppConfig.load(Map.of("TOLLGATE_PUBLIC_URL", "http://localhost:8080"));
        assertThat(local.server().publicUrlRequired()).as("local mode").isFalse();
        assertThat(local.server().publicUrl()).isPresent();
    }

    @Test
    void corsOriginMustBeAnOriginNotAPath() {
        Map<String, String> env = production();
        env.put("CORS_ORIGINS", "https://ops.example.com/admin");
        assertThatThrownBy(() -> AppConfig.load(env)).hasMessageStartingWith("CORS_ORIGINS: ");
    }

    @Test
    void theReadTimeoutDefaultsTo20SecondsAndIsBounded() {
        assertThat(AppConfig.load(Map.of()).server().readTimeout()).isEqualTo(Duration.ofSeconds(20));
        Map<String, String> env = production();
        env.put("TOLLGATE_READ_TIMEOUT_SECONDS", "5");
        assertThat(AppConfig.load(env).server().readTimeout()).isEqualTo(Duration.ofSeconds(5));
        for (String bad : new String[] {"0", "-1", "3601", "soon"}) {
            env.put("TOLLGATE_READ_TIMEOUT_SECONDS", bad);
            assertThatThrownBy(() -> AppConfig.load(env)).as(bad)
                    .isInstanceOf(ConfigException.class)
                    .satisfies(e -> assertThat(((ConfigException) e).key())
                            .isEqualTo("TOLLGATE_READ_TIMEOUT_SECONDS"));
        }
    }

    /**
     * The instance id names the claims and note holds a restart in place takes back: configured, or the host name and
     * port (stable across a restart in place, unique among processes on a host); with PORT=0 no two starts share one.
     */
    @Test
    void theInstanceIdIsConfiguredOrTheHostNameAndPort() {
        assertThat(AppConfig.load(Map.of("TOLLGATE_INSTANCE_ID", "worker-3")).worker().instanceId())
                .isEqualTo("worker-3");
        assertThat(AppConfig.load(Map.of("HOSTNAME", "pod-7", "PORT", "8081")).worker().instanceId())
                .isEqualTo("pod-7:8081");
        String any = AppConfig.load(Map.of("HOSTNAME", "pod-7", "PORT", "0")).worker().instanceId();
        assertThat(any).startsWith("pod-7:0~")
                .isNotEqualTo(AppConfig.load(Map.of("HOSTNAME", "pod-7", "PORT", "0")).worker().instanceId());
        assertThatThrownBy(() -> AppConfig.load(Map.of("TOLLGATE_INSTANCE_ID", "a\nb")))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("TOLLGATE_INSTANCE_ID"));
    }

    @Test
    void theWorkerRunsByDefaultWithTemplateDraftsOnly() {
        AppConfig c = AppConfig.load(Map.of());
        io.tollgate.api.worker.WorkerSettings w = c.worker().settings();
        assertThat(w.enabled()).isTrue();
        assertThat(w.concurrency()).isEqualTo(8);
        assertThat(w.tenantCap()).isEqualTo(4);
        assertThat(w.lease()).as("a dead worker's jobs are taken over within seconds").isEqualTo(Duration.ofSeconds(10));
        assertThat(w.renewEvery()).isEqualTo(Duration.ofSeconds(3));
        assertThat(w.poll()).isEqualTo(Duration.ofMillis(100));
        assertThat(w.stopGrace()).isEqualTo(c.server().shutdownGrace());
        assertThat(w.schedule().baseDelay()).isEqualTo(Duration.ofSeconds(5));
        assertThat(w.schedule().maxDelay()).isEqualTo(Duration.ofMinutes(15));
        assertThat(c.worker().instanceId()).as("host name and a random part with PORT=0, or host name and port")
                .matches(".+:(0~[0-9a-f-]{36}|[0-9]+)");
        assertThat(c.worker().llm().enabled()).isFalse();
        assertThat(c.worker().llm().dailyBudget()).isEqualTo(200);
        assertThat(c.upstreams().settings().connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.upstreams().settings().readTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(c.upstreams().settings().gorgiasCalls()).as("Gorgias: 40 calls per 20 s per account").isEqualTo(40);
        assertThat(c.upstreams().settings().gorgiasWindow()).isEqualTo(Duration.ofSeconds(20));
        assertThat(AppConfig.load(production()).database().workerSettings(w.concurrency()).maxPoolSize())
                .as("a connection a job, one for the claimer and one for the heartbeat").isEqualTo(10);
    }

    @Test
    void workerAndModelSettingsComeFromTheEnvironment() {
        Map<String, String> env = production();
        env.put("TOLLGATE_WORKER_ENABLED", "false");
        env.put("TOLLGATE_WORKER_CONCURRENCY", "3");
        env.put("TOLLGATE_WORKER_TENANT_CAP", "1");
        env.put("TOLLGATE_WORKER_RETRY_BASE_MS", "250");
        env.put("TOLLGATE_WORKER_RETRY_MAX_SECONDS", "60");
        env.put("TOLLGATE_WORKER_LEASE_SECONDS", "20");
        env.put("TOLLGATE_WORKER_LEASE_RENEW_MS", "4000");
        env.put("TOLLGATE_UPSTREAM_READ_TIMEOUT_MS", "1500");
        env.put("TOLLGATE_GORGIAS_CALLS", "80");
        env.put("TOLLGATE_GORGIAS_WINDOW_SECONDS", "10");
        env.put("TOLLGATE_LLM_URL", "https://llm.internal/v1/chat/completions");
        env.put("TOLLGATE_LLM_MODEL", "local-model");
        env.put("TOLLGATE_LLM_API_KEY", "sk-secret-value-123");
        env.put("TOLLGATE_LLM_DAILY_BUDGET", "5");
        AppConfig c = AppConfig.load(env);
        assertThat(c.worker().settings().enabled()).isFalse();
        assertThat(c.worker().settings().concurrency()).isEqualTo(3);
        assertThat(c.worker().settings().tenantCap()).isEqualTo(1);
        assertThat(c.worker().settings().schedule().baseDelay()).isEqualTo(Duration.ofMillis(250));
        assertThat(c.worker().settings().schedule().maxDelay()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.worker().settings().lease()).isEqualTo(Duration.ofSeconds(20));
        assertThat(c.worker().settings().renewEvery()).isEqualTo(Duration.ofSeconds(4));
        assertThat(c.upstreams().settings().readTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.upstreams().settings().gorgiasCalls()).isEqualTo(80);
        assertThat(c.upstreams().settings().gorgiasWindow()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.worker().llm().url()).contains(URI.create("https://llm.internal/v1/chat/completions"));
        assertThat(c.worker().llm().model()).isEqualTo("local-model");
        assertThat(c.worker().llm().dailyBudget()).isEqualTo(5);
        assertThat(c.toString()).doesNotContain("sk-secret-value-123");
    }

    @Test
    void aShortLeaseIsRenewedThriceByDefaultAndNeverLessThanTwiceALease() {
        Map<String, String> env = production();
        env.put("TOLLGATE_WORKER_LEASE_SECONDS", "2");
        assertThat(AppConfig.load(env).worker().settings().renewEvery()).isEqualTo(Duration.ofMillis(666));
        env.put("TOLLGATE_WORKER_LEASE_RENEW_MS", "1001");
        assertThatThrownBy(() -> AppConfig.load(env)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("TOLLGATE_WORKER_LEASE_RENEW_MS");
        env.put("TOLLGATE_WORKER_LEASE_RENEW_MS", "1000");
        assertThat(AppConfig.load(env).worker().settings().renewEvery()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void badWorkerAndModelSettingsNameTheirVariable() {
        for (Map.Entry<String, String> bad : List.of(Map.entry("TOLLGATE_WORKER_CONCURRENCY", "0"),
                                                     Map.entry("TOLLGATE_WORKER_ENABLED", "maybe"),
                                                     Map.entry("TOLLGATE_WORKER_RETRY_MAX_SECONDS", "0"),
                                                     Map.entry("TOLLGATE_LLM_URL", "ftp://llm.internal/x"),
                                                     Map.entry("TOLLGATE_LLM_URL", "not a url"))) {
            Map<String, String> env = production();
            env.put(bad.getKey(), bad.getValue());
            assertThatThrownBy(() -> AppConfig.load(env)).as(bad.toString())
                    .isInstanceOf(ConfigException.class).hasMessageContaining(bad.getKey());
        }
    }
}
