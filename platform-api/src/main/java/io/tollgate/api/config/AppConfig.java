package io.tollgate.api.config;

import io.tollgate.api.net.AddressRange;
import io.tollgate.api.observe.LogFormat;
import io.tollgate.tenant.Secret;
import io.tollgate.tenant.crypto.MasterKey;
import io.tollgate.tenant.db.DatabaseSettings;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Every setting of the server, read once at boot from the environment over {@code application.yaml} defaults and
 * validated: a missing or invalid value stops the boot with the setting's name ({@link ConfigException}).
 * Handlers never read configuration themselves; they get what they need through constructors.
 *
 * <p>Each group of settings is a record that reads and validates its own keys ({@code from(Settings)}); a new
 * setting is a component and a line in that record's {@code from}, plus its default in {@code application.yaml}
 * (and the README's table and {@code .env.example}).
 */
public record AppConfig(Server server, DatabaseConfig database, Keys keys, Upstreams upstreams, Cors cors,
                        Tenants tenants, Ingress ingress, Metrics metrics, Worker worker, Path dataDir,
                        Connections connections) {

    /**
     * @param host              the bind address: {@code TOLLGATE_HOST}, else {@code 0.0.0.0}, but {@code 127.0.0.1}
     *                          in local mode (no {@code DATABASE_URL}), whose admin token and database are for this
     *                          machine's user only
     * @param shutdownGrace     how long in-flight requests may take to finish on SIGTERM
     * @param publicUrl         the base merchants reach Tollgate at, for the webhook URLs shown to operators and
     *                          registered upstream (empty: the URLs shown are taken from the admin request's Host
     *                          header)
     * @param readTimeout       longest wait for the next bytes of a request (or of the next request on a kept-alive
     *                          connection) before the connection is answered 408 or closed
     * @param publicUrlRequired whether connect needs {@code publicUrl} (https) before it registers webhook URLs
     *                          upstream: true outside local mode and test mode
     *                          ({@code TOLLGATE_ALLOW_UPSTREAM_OVERRIDE}); a URL from the Host header would carry the
     *                          tenant's Gorgias token to whatever host the request named
     * @param admin             the operators' listener ({@code TOLLGATE_ADMIN_PORT}): {@code /admin/**},
     *                          {@code /openapi} and {@code /observe/**} move there, and the main port keeps only
     *                          {@code /webhooks/**} and a health answer without details. Empty: everything on the
     *                          one port
     * @param trustedProxies    the proxies whose {@code X-Forwarded-For} names the client (empty unless
     *                          {@code TOLLGATE_TRUST_X_FORWARDED_FOR} is true, and then never empty)
     */
    public record Server(String host, int port, Duration shutdownGrace, Optional<URI> publicUrl,
                         Duration readTimeout, boolean publicUrlRequired, Optional<AdminListener> admin,
                         List<AddressRange> trustedProxies) {
        /**
         * @param local         no {@code DATABASE_URL}: the embedded database of local mode
         * @param allowOverride {@code TOLLGATE_ALLOW_UPSTREAM_OVERRIDE} (staging and tests)
         */
        static Server from(Settings s, boolean local, boolean allowOverride) {
            Optional<URI> publicUrl = s.optional("TOLLGATE_PUBLIC_URL").map(AppConfig::publicUrl);
            boolean required = !local && !allowOverride;
            if (required && publicUrl.isPresent() && !"https".equals(publicUrl.get().getScheme())) {
                throw new ConfigException("TOLLGATE_PUBLIC_URL", "must be an https URL like https://hooks.example.com"
                        + " (http only in local mode or with TOLLGATE_ALLOW_UPSTREAM_OVERRIDE=true)");
            }
            String host = s.optional("TOLLGATE_HOST").orElse(local ? LOCAL_HOST : ALL_INTERFACES);
            int port = s.integer("PORT", 0, 65535);
            return new Server(host, port,
                              Duration.ofSeconds(s.integer("TOLLGATE_SHUTDOWN_GRACE_SECONDS", 0, 300)),
                              publicUrl,
                              Duration.ofSeconds(s.integer("TOLLGATE_READ_TIMEOUT_SECONDS", 1, 3600)), required,
                              AdminListener.from(s, host, port), trustedProxies(s));
        }

        private static List<AddressRange> trustedProxies(Settings s) {
            List<AddressRange> proxies = Arrays.stream(s.optional("TOLLGATE_TRUSTED_PROXIES").orElse("").split(","))
                    .map(String::strip).filter(p -> !p.isEmpty()).map(p -> {
                        try {
                            return AddressRange.parse(p);
                        } catch (IllegalArgumentException e) {
                            throw new ConfigException("TOLLGATE_TRUSTED_PROXIES", e.getMessage()
                                    + "; list addresses or CIDR ranges, e.g. 10.0.0.0/8,192.0.2.10");
                        }
                    }).toList();
            if (!s.bool("TOLLGATE_TRUST_X_FORWARDED_FOR")) {
                return List.of();
            }
            if (proxies.isEmpty()) {
                throw new ConfigException("TOLLGATE_TRUSTED_PROXIES", "is required when"
                        + " TOLLGATE_TRUST_X_FORWARDED_FOR is true: the addresses or CIDR ranges of the proxies in"
                        + " front (e.g. the ingress controller's pods), whose X-Forwarded-For alone is believed");
            }
            return proxies;
        }
    }

    /**
     * The second listener, for operators and Prometheus.
     *
     * @param host bind address ({@code TOLLGATE_ADMIN_HOST}, default {@code TOLLGATE_HOST})
     * @param port {@code TOLLGATE_ADMIN_PORT}; 0 = any free port (tests)
     * @param api  {@code TOLLGATE_ADMIN_API} (default true): false leaves only {@code /observe/**} on this listener,
     *             for pods that must not run the admin API (ingress pods, which may not call upstreams)
     */
    public record AdminListener(String host, int port, boolean api) {
        static Optional<AdminListener> from(Settings s, String mainHost, int mainPort) {
            if (s.optional("TOLLGATE_ADMIN_PORT").isEmpty()) {
                for (String needsPort : List.of("TOLLGATE_ADMIN_HOST", "TOLLGATE_ADMIN_API")) {
                    s.optional(needsPort).ifPresent(h -> {
                        throw new ConfigException(needsPort, "needs TOLLGATE_ADMIN_PORT (without it there is"
                                + " one listener, on TOLLGATE_HOST and PORT, and it serves the admin API)");
                    });
                }
                return Optional.empty();
            }
            int port = s.integer("TOLLGATE_ADMIN_PORT", 0, 65535);
            if (port != 0 && port == mainPort) {
                throw new ConfigException("TOLLGATE_ADMIN_PORT", "must differ from PORT (" + mainPort + ")");
            }
            boolean api = s.optional("TOLLGATE_ADMIN_API").isEmpty() || s.bool("TOLLGATE_ADMIN_API");
            return Optional.of(new AdminListener(s.optional("TOLLGATE_ADMIN_HOST").orElse(mainHost), port, api));
        }
    }

    /** Where a server with a database listens unless {@code TOLLGATE_HOST} says otherwise. */
    public static final String ALL_INTERFACES = "0.0.0.0";
    /** Where local mode listens unless {@code TOLLGATE_HOST} says otherwise. */
    public static final String LOCAL_HOST = "127.0.0.1";

    /**
     * @param url           empty: local mode, an embedded PostgreSQL under {@code dataDir}
     * @param poolSize      the main pool (ingress, tenant look-ups, background work)
     * @param adminPoolSize the admin API's own pool, so operators are served while ingress holds every connection
     */
    public record DatabaseConfig(Optional<String> url, String user, Secret password, int poolSize,
                                 Duration connectTimeout, int adminPoolSize) {
        public DatabaseSettings settings() {
            return new DatabaseSettings(url.orElseThrow(() -> new ConfigException("DATABASE_URL", "is required")),
                                        user, password, poolSize, connectTimeout);
        }

        public DatabaseSettings adminSettings() {
            return new DatabaseSettings(settings().jdbcUrl(), user, password, adminPoolSize, connectTimeout);
        }

        /** The worker's own pool: one connection per concurrent job and one for claiming, apart from ingress's. */
        public DatabaseSettings workerSettings(int concurrency) {
            return new DatabaseSettings(settings().jdbcUrl(), user, password, concurrency + 2, connectTimeout);
        }

        /**
         * The connection drift check's own few connections: its claims and its reads of {@code webhook_events} (for
         * silence) never take ingress's or operators' connections.
         */
        public DatabaseSettings checkSettings() {
            return new DatabaseSettings(settings().jdbcUrl(), user, password, 2, connectTimeout);
        }

        /** @param url already validated ({@link AppConfig#load} reads it first) */
        static DatabaseConfig from(Settings s, Optional<String> url) {
            return new DatabaseConfig(url, s.string("DATABASE_USER"),
                                      Secret.of(s.optional("DATABASE_PASSWORD").orElse("")),
                                      s.integer("TOLLGATE_DB_POOL_SIZE", 1, 500),
                                      Duration.ofMillis(s.integer("TOLLGATE_DB_CONNECT_TIMEOUT_MS", 250, 60_000)),
                                      s.integer("TOLLGATE_ADMIN_DB_POOL_SIZE", 1, 100));
        }

        /** The same settings for another server: its URL, user and password. */
        public DatabaseConfig withConnection(String jdbcUrl, String user, Secret password) {
            return new DatabaseConfig(Optional.of(jdbcUrl), user, password, poolSize, connectTimeout, adminPoolSize);
        }
    }

    /** The master key that seals stored credentials (with older keys that still open), and the bootstrap token. */
    public record Keys(Optional<MasterKey> masterKey, List<MasterKey> previousMasterKeys, Optional<Secret> adminToken) {
        /** @param required whether the keys must be given (a database URL is: production) */
        static Keys from(Settings s, boolean required) {
            Optional<MasterKey> masterKey = s.optional("TOLLGATE_MASTER_KEY")
                    .map(v -> AppConfig.masterKey("TOLLGATE_MASTER_KEY", v));
            List<MasterKey> previous = s.optional("TOLLGATE_PREVIOUS_MASTER_KEYS")
                    .map(v -> Arrays.stream(v.split(",")).map(String::strip).filter(k -> !k.isEmpty())
                            .map(k -> AppConfig.masterKey("TOLLGATE_PREVIOUS_MASTER_KEYS", k)).toList())
                    .orElse(List.of());
            Optional<Secret> adminToken = s.optional("TOLLGATE_ADMIN_TOKEN").map(v -> {
                if (v.length() < 24) {
                    throw new ConfigException("TOLLGATE_ADMIN_TOKEN", "must be at least 24 characters;"
                            + " generate one with: openssl rand -base64 32");
                }
                return Secret.of(v);
            });
            if (required) {
                if (masterKey.isEmpty()) {
                    throw new ConfigException("TOLLGATE_MASTER_KEY", "is required when DATABASE_URL is set;"
                            + " generate one with: openssl rand -base64 32");
                }
                if (adminToken.isEmpty()) {
                    throw new ConfigException("TOLLGATE_ADMIN_TOKEN", "is required when DATABASE_URL is set;"
                            + " generate one with: openssl rand -base64 32");
                }
            }
            return new Keys(masterKey, previous, adminToken);
        }

        /** These keys, with {@code key} and {@code token} where none was given. */
        public Keys orElse(MasterKey key, Secret token) {
            return new Keys(Optional.of(masterKey.orElse(key)), previousMasterKeys,
                            Optional.of(adminToken.orElse(token)));
        }
    }

    /**
     * @param allowOverride  whether a tenant's {@code base_url} overrides are accepted (staging and tests)
     * @param connectTimeout longest wait for a connection to Gorgias or Shopify
     * @param readTimeout    longest wait for the next bytes of their answer
     * @param gorgiasCalls   the most Gorgias calls per Gorgias account in any {@code gorgiasWindow}, fleet-wide
     * @param gorgiasWindow  see {@code gorgiasCalls}
     */
    public record Upstreams(boolean allowOverride, Duration connectTimeout, Duration readTimeout, int gorgiasCalls,
                            Duration gorgiasWindow) {
        static Upstreams from(Settings s) {
            return new Upstreams(s.bool("TOLLGATE_ALLOW_UPSTREAM_OVERRIDE"),
                                 Duration.ofMillis(s.integer("TOLLGATE_UPSTREAM_CONNECT_TIMEOUT_MS", 100, 60_000)),
                                 Duration.ofMillis(s.integer("TOLLGATE_UPSTREAM_READ_TIMEOUT_MS", 100, 300_000)),
                                 s.integer("TOLLGATE_GORGIAS_CALLS", 1, 10_000),
                                 Duration.ofSeconds(s.integer("TOLLGATE_GORGIAS_WINDOW_SECONDS", 1, 3_600)));
        }

        public io.tollgate.api.upstream.UpstreamSettings settings() {
            io.tollgate.api.upstream.UpstreamSettings d = io.tollgate.api.upstream.UpstreamSettings.DEFAULTS;
            return new io.tollgate.api.upstream.UpstreamSettings(
                    connectTimeout, readTimeout, gorgiasCalls, gorgiasWindow, d.breakerVolume(),
                    d.breakerErrorRatio(), d.breakerDelay(), d.defaultRetryAfter(), d.maxMessagePages(),
                    d.maxAnswerBytes(), allowOverride);
        }
    }

    /**
     * The worker (see {@link io.tollgate.api.worker.WorkerSettings} for what each value does).
     *
     * @param instanceId this instance's stable id ({@code TOLLGATE_INSTANCE_ID}; by default the host name and
     *                  {@code PORT}, or with {@code PORT=0} the host name and a random part, which no restart
     *                  repeats): named with each claim and note hold, so the instance restarted in place takes back at
     *                  once what it left running. Unique among the processes running at once (checked at start:
     *                  {@link io.tollgate.api.worker.InstanceLock})
     * @param orderFreshness how long ago Shopify may have last confirmed a cached order whose status or tracking a
     *                  draft states ({@code TOLLGATE_ORDER_FRESHNESS_SECONDS}); an older copy is read again first
     */
    public record Worker(io.tollgate.api.worker.WorkerSettings settings, String instanceId,
                         io.tollgate.api.draft.LlmSettings llm, Duration orderFreshness) {
        static Worker from(Settings s, Duration stopGrace, int port) {
            io.tollgate.api.worker.RetrySchedule d = io.tollgate.api.worker.RetrySchedule.DEFAULT;
            Duration base = Duration.ofMillis(s.integer("TOLLGATE_WORKER_RETRY_BASE_MS", 1, 3_600_000));
            Duration max = Duration.ofSeconds(s.integer("TOLLGATE_WORKER_RETRY_MAX_SECONDS", 1, 86_400));
            if (max.compareTo(base) < 0) {
                throw new ConfigException("TOLLGATE_WORKER_RETRY_MAX_SECONDS",
                                          "must be at least TOLLGATE_WORKER_RETRY_BASE_MS");
            }
            int concurrency = s.integer("TOLLGATE_WORKER_CONCURRENCY", 1, 1024);
            Duration lease = Duration.ofSeconds(s.integer("TOLLGATE_WORKER_LEASE_SECONDS", 1, 86_400));
            Duration renew = s.optional("TOLLGATE_WORKER_LEASE_RENEW_MS").isPresent()
                    ? Duration.ofMillis(s.integer("TOLLGATE_WORKER_LEASE_RENEW_MS", 10, 43_200_000))
                    : io.tollgate.api.worker.WorkerSettings.renewEveryFor(lease);
            if (renew.multipliedBy(2).compareTo(lease) > 0) {
                throw new ConfigException("TOLLGATE_WORKER_LEASE_RENEW_MS",
                                          "must be at most half of TOLLGATE_WORKER_LEASE_SECONDS");
            }
            return new Worker(new io.tollgate.api.worker.WorkerSettings(
                    s.bool("TOLLGATE_WORKER_ENABLED"), concurrency,
                    s.integer("TOLLGATE_WORKER_TENANT_CAP", 1, 1024),
                    lease, renew,
                    Duration.ofMillis(s.integer("TOLLGATE_WORKER_POLL_MS", 10, 60_000)),
                    Duration.ofMillis(s.integer("TOLLGATE_WORKER_REAP_MS", 10, 600_000)),
                    stopGrace,
                    new io.tollgate.api.worker.RetrySchedule(base, d.factor(), max, d.jitter(), d.maxRetryAfter(),
                                                             d.maxAttempts()),
                    Duration.ofMillis(s.integer("TOLLGATE_WORKER_JOB_DEADLINE_MS", 100, 86_400_000))),
                              instanceId(s, port),
                              llm(s), Duration.ofSeconds(s.integer("TOLLGATE_ORDER_FRESHNESS_SECONDS", 0, 86_400)));
        }

        /** {@code TOLLGATE_INSTANCE_ID}, or the host name and port (a random part instead of port 0). */
        private static String instanceId(Settings s, int port) {
            Optional<String> configured = s.optional("TOLLGATE_INSTANCE_ID");
            if (configured.isPresent()) {
                if (configured.get().length() > 200 || configured.get().chars().anyMatch(Character::isISOControl)) {
                    throw new ConfigException("TOLLGATE_INSTANCE_ID", "must be at most 200 characters, without"
                            + " control characters");
                }
                return configured.get();
            }
            String host = s.optional("HOSTNAME").orElseGet(() -> {
                try {
                    return java.net.InetAddress.getLocalHost().getHostName();
                } catch (java.io.IOException e) {
                    return "localhost";
                }
            });
            return host + ":" + (port == 0 ? "0~" + java.util.UUID.randomUUID() : String.valueOf(port));
        }

        private static io.tollgate.api.draft.LlmSettings llm(Settings s) {
            Optional<URI> url = s.optional("TOLLGATE_LLM_URL").map(v -> {
                try {
                    return URI.create(v);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException("TOLLGATE_LLM_URL", "must be an absolute http or https URL");
                }
            });
            try {
                return new io.tollgate.api.draft.LlmSettings(
                        url, s.string("TOLLGATE_LLM_MODEL"), s.optional("TOLLGATE_LLM_API_KEY").map(Secret::of),
                        Duration.ofMillis(s.integer("TOLLGATE_LLM_TIMEOUT_MS", 100, 300_000)),
                        s.integer("TOLLGATE_LLM_MAX_CHARS", 200, 100_000),
                        s.integer("TOLLGATE_LLM_DAILY_BUDGET", 0, 10_000_000));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("TOLLGATE_LLM_URL", e.getMessage());
            }
        }
    }

    /** Origins allowed to call the admin API from a browser. Never a wildcard. */
    public record Cors(List<URI> origins) {
        static Cors from(Settings s) {
            return new Cors(corsOrigins(s.optional("CORS_ORIGINS").orElse("")));
        }
    }

    /**
     * @param cacheTtl    safety net for the tenant cache; changes invalidate it at once through NOTIFY
     * @param unknownTtl  how long a slug found unknown is answered 404 without a database look-up
     * @param unknownSize most unknown slugs remembered at once (apart from the tenants)
     */
    public record Tenants(Duration cacheTtl, long cacheSize, Duration unknownTtl, long unknownSize) {
        static Tenants from(Settings s) {
            return new Tenants(Duration.ofSeconds(s.integer("TOLLGATE_TENANT_CACHE_TTL_SECONDS", 1, 86_400)),
                               s.integer("TOLLGATE_TENANT_CACHE_SIZE", 10, 10_000_000),
                               Duration.ofSeconds(s.integer("TOLLGATE_UNKNOWN_TENANT_CACHE_SECONDS", 1, 3_600)),
                               s.integer("TOLLGATE_UNKNOWN_TENANT_CACHE_SIZE", 10, 10_000_000));
        }
    }

    /** How rate buckets are kept: in each instance, or shared by the fleet in PostgreSQL. */
    public enum RateMode { LOCAL, POSTGRES }

    /**
     * @param forgedPerMinute failed signature checks one address may make per minute before it is refused
     * @param retention       how long events are kept (and so the dedup window)
     * @param deadRetention   how long unfinished events (dead, queued, running) are kept unless an operator
     *                        replays or discards them; never shorter than {@code retention}
     * @param sweepEvery      how often expired events are deleted
     * @param sweepDuty       the share of a sweep's time spent deleting (0-1; it pauses the rest)
     * @param writers         concurrent group-commit transactions writing events
     * @param batchMax        most deliveries committed together
     * @param queueMax        most deliveries waiting for a writer (past it, 503 at once)
     * @param bufferBytes     most request-body bytes held in memory at once by the whole process (reserved before
     *                        a body is read; past it, 503 and the connection closed)
     * @param bodiesPerAddress most request bodies one client address may have being read at once
     */
    public record Ingress(RateMode rateMode, int forgedPerMinute, Duration retention, Duration deadRetention,
                          Duration sweepEvery, double sweepDuty,
                          int writers, int batchMax, int queueMax,
                          long bufferBytes, int bodiesPerAddress) {
        static Ingress from(Settings s) {
            return new Ingress(AppConfig.rateMode(s.string("TOLLGATE_RATE_LIMIT_MODE")),
                               s.integer("TOLLGATE_FORGED_PER_MINUTE", 1, 1_000_000),
                               Duration.ofDays(s.integer("TOLLGATE_EVENT_RETENTION_DAYS", 1, 3650)),
                               Duration.ofDays(s.integer("TOLLGATE_DEAD_RETENTION_DAYS", 1, 3650)),
                               Duration.ofSeconds(s.integer("TOLLGATE_RETENTION_SWEEP_SECONDS", 1, 86_400)),
                               s.integer("TOLLGATE_RETENTION_SWEEP_DUTY_PERCENT", 1, 100) / 100.0,
                               s.integer("TOLLGATE_INGEST_WRITERS", 1, 256),
                               s.integer("TOLLGATE_INGEST_BATCH_MAX", 1, 1000),
                               s.integer("TOLLGATE_INGEST_QUEUE_MAX", 1, 1_000_000),
                               bufferBytes(s),
                               s.integer("TOLLGATE_INGRESS_BODIES_PER_ADDRESS", 1, 100_000));
        }

        /** Least budget a setting may give: 1 MiB. */
        static final long MIN_BUFFER_BYTES = 1024 * 1024;

        /**
         * {@code TOLLGATE_INGRESS_BUFFER_BYTES}, or by default a quarter of the heap this JVM may use (in the image:
         * 35 % of the memory limit, so ~33 MiB under 384Mi), at least twice the largest payload a tenant may accept
         * (one tenant's bodies hold at most half of it).
         */
        private static long bufferBytes(Settings s) {
            Optional<String> v = s.optional("TOLLGATE_INGRESS_BUFFER_BYTES");
            if (v.isEmpty()) {
                return Math.max(io.tollgate.api.net.BufferBudget.defaultCapacity(),
                                2L * io.tollgate.tenant.Limits.MAX_PAYLOAD_BYTES);
            }
            long n;
            try {
                n = Long.parseLong(v.get());
            } catch (NumberFormatException e) {
                throw new ConfigException("TOLLGATE_INGRESS_BUFFER_BYTES", "must be a whole number of bytes");
            }
            if (n < MIN_BUFFER_BYTES) {
                throw new ConfigException("TOLLGATE_INGRESS_BUFFER_BYTES", "must be at least " + MIN_BUFFER_BYTES);
            }
            return n;
        }
    }

    /** @param tenantLabels {@code all}, {@code none} or a comma-separated list of slugs */
    public record Metrics(String tenantLabels, int tenantLabelCap) {
        static Metrics from(Settings s) {
            return new Metrics(AppConfig.tenantLabels(s.string("TOLLGATE_METRICS_TENANT_LABELS")),
                               s.integer("TOLLGATE_METRICS_TENANT_LABEL_CAP", 0, 100_000));
        }
    }

    /**
     * The drift check of the tenants' upstream connections and the silence watch.
     *
     * @param silence a connected tenant with no accepted delivery of a provider for longer than this (having had
     *                one before) counts in {@code tollgate_tenants_silent}
     */
    public record Connections(io.tollgate.api.connect.CheckSettings check, Duration silence) {
        static Connections from(Settings s) {
            return new Connections(new io.tollgate.api.connect.CheckSettings(
                    s.bool("TOLLGATE_CONNECTION_CHECK_ENABLED"),
                    Duration.ofSeconds(s.integer("TOLLGATE_CONNECTION_CHECK_INTERVAL_SECONDS", 1, 604_800)),
                    s.integer("TOLLGATE_CONNECTION_CHECK_PER_SECOND", 1, 1_000)),
                                   Duration.ofSeconds(s.integer("TOLLGATE_SILENCE_SECONDS", 60, 2_592_000)));
        }
    }

    public static AppConfig load(Map<String, String> env) {
        Settings s = new Settings(env);
        // read first: whether the keys are required depends on it
        Optional<String> dbUrl = s.optional("DATABASE_URL").map(AppConfig::validJdbcUrl);
        Keys keys = Keys.from(s, dbUrl.isPresent());
        Server server = Server.from(s, dbUrl.isEmpty(), s.bool("TOLLGATE_ALLOW_UPSTREAM_OVERRIDE"));
        // the console handler read TOLLGATE_LOG_FORMAT itself when logging started (LogFormat); this only makes a
        // misspelt value stop the boot instead of silently logging JSON
        if (LogFormat.parse(s.string(LogFormat.SETTING)).isEmpty()) {
            throw new ConfigException(LogFormat.SETTING, "must be json or text");
        }
        return new AppConfig(server, DatabaseConfig.from(s, dbUrl), keys, Upstreams.from(s), Cors.from(s),
                             Tenants.from(s), Ingress.from(s), Metrics.from(s),
                             Worker.from(s, server.shutdownGrace(), server.port()),
                             Path.of(s.string("TOLLGATE_DATA_DIR")), Connections.from(s));
    }

    private static RateMode rateMode(String v) {
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "local" -> RateMode.LOCAL;
            case "postgres" -> RateMode.POSTGRES;
            default -> throw new ConfigException("TOLLGATE_RATE_LIMIT_MODE", "must be local or postgres");
        };
    }

    private static String tenantLabels(String v) {
        if (v.equals("all") || v.equals("none") || v.matches("[a-z0-9-]+(\\s*,\\s*[a-z0-9-]+)*")) {
            return v;
        }
        throw new ConfigException("TOLLGATE_METRICS_TENANT_LABELS", "must be all, none, or a comma-separated list"
                + " of tenant slugs");
    }

    /**
     * The same configuration with what local mode supplies: the embedded database (and its generated password) and
     * generated keys.
     */
    public AppConfig withLocalMode(String jdbcUrl, String user, Secret password, MasterKey key, Secret token) {
        return with(database.withConnection(jdbcUrl, user, password), keys.orElse(key, token));
    }

    /** The same configuration with other database settings and keys. */
    public AppConfig with(DatabaseConfig database, Keys keys) {
        return new AppConfig(server, database, keys, upstreams, cors, tenants, ingress, metrics, worker, dataDir,
                             connections);
    }

    private static String validJdbcUrl(String url) {
        if (!url.startsWith("jdbc:postgresql://")) {
            throw new ConfigException("DATABASE_URL", "must be a JDBC URL of the form"
                    + " jdbc:postgresql://host:port/database");
        }
        Properties parsed = org.postgresql.Driver.parseURL(url, new Properties());
        if (parsed == null || parsed.getProperty("PGDBNAME", "").isEmpty()) {
            throw new ConfigException("DATABASE_URL", "is not a valid PostgreSQL JDBC URL"
                    + " (expected jdbc:postgresql://host:port/database)");
        }
        return url;
    }

    private static URI publicUrl(String value) {
        try {
            URI u = URI.create(value.endsWith("/") ? value.substring(0, value.length() - 1) : value);
            if (u.isAbsolute() && u.getHost() != null && ("https".equals(u.getScheme()) || "http".equals(u.getScheme()))) {
                return u;
            }
        } catch (IllegalArgumentException e) {
            // fall through
        }
        throw new ConfigException("TOLLGATE_PUBLIC_URL", "must be an absolute URL like https://hooks.example.com");
    }

    private static MasterKey masterKey(String name, String value) {
        try {
            return MasterKey.fromBase64(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(name, e.getMessage());
        }
    }

    private static List<URI> corsOrigins(String value) {
        return Arrays.stream(value.split(",")).map(String::strip).filter(o -> !o.isEmpty()).map(o -> {
            if (o.contains("*")) {
                throw new ConfigException("CORS_ORIGINS", "must list exact origins; a wildcard is not allowed");
            }
            URI uri;
            try {
                uri = URI.create(o);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("CORS_ORIGINS", "'" + o + "' is not an origin like https://ops.example.com");
            }
            if (uri.getScheme() == null || uri.getHost() == null || (uri.getPath() != null && !uri.getPath().isEmpty())
                    || !(uri.getScheme().equals("https") || uri.getScheme().equals("http"))) {
                throw new ConfigException("CORS_ORIGINS", "'" + o + "' is not an origin like https://ops.example.com");
            }
            return uri;
        }).toList();
    }
}
