package io.tollgate.api.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.tollgate.api.NoteStub;
import io.tollgate.api.TestServers;
import io.tollgate.api.Tollgate;
import io.tollgate.api.Webhooks;
import io.tollgate.api.config.AppConfig;
import io.tollgate.api.config.ConfigException;
import io.tollgate.api.net.AddressRange;
import io.tollgate.api.observe.Exposition;
import io.tollgate.tenant.crypto.MasterKey;
import io.tollgate.tenant.testing.TcpProxy;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code deploy/} (Kubernetes manifests, Prometheus rules and unit tests, the Grafana dashboard) checked against the
 * server itself, so that a manifest naming a setting the server does not read, a probe path it does not serve, a
 * port it does not listen on, or an alert on a metric it does not export fails here and not in a cluster at 3 am.
 *
 * <p>Needs neither Kubernetes nor Prometheus: the Kustomize layers are resolved here as far as these checks need
 * (resources, ConfigMap and Secret generators with their merge behaviour; the overlay's patches only touch
 * NetworkPolicy addresses and monitoring labels), and PromQL is scanned for metric and label names only. The
 * server is started from the example overlay's worker Deployment's own environment (the test puts in its own
 * database, secrets, loopback address, free port and short grace, drops the model URL, and allows tenants' base_url
 * overrides and a quicker poll so WireMock can stand in for Gorgias and Shopify), given a delivery that goes all
 * the way to a posted note, and then scraped.
 */
class DeployManifestsTest {
    private static final Path ROOT = repoRoot();
    private static final Path DEPLOY = ROOT.resolve("deploy");
    private static final Path BASE = DEPLOY.resolve("kubernetes/base");
    private static final Path OVERLAY = DEPLOY.resolve("kubernetes/overlays/example");
    private static final Path RULES = DEPLOY.resolve("prometheus/rules/tollgate-alerts.yml");
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static TestDatabase db;
    private static WireMockServer stub;
    private static Tollgate server;
    private static Layer base;
    private static Layer overlay;
    /** The server's /observe/metrics once a delivery went all the way to a posted note. */
    /** Each served sample name with its label names. */
    private static Map<String, Set<String>> scrape;

    @BeforeAll
    static void start() {
        base = Layer.resolve(BASE);
        overlay = Layer.resolve(OVERLAY);
        db = TestDatabase.empty();
        stub = NoteStub.start(555000111);

        Map<String, String> env = testEnv(overlay.env(overlay.deployment("tollgate-worker")), db.jdbcUrl());
        // test-only: tenants' base_url overrides reach the stub; no model on the network; a quick worker
        env.remove("TOLLGATE_LLM_URL");
        env.put("TOLLGATE_ALLOW_UPSTREAM_OVERRIDE", "true");
        env.put("TOLLGATE_WORKER_POLL_MS", "20");
        env.put("TOLLGATE_WORKER_REAP_MS", "100");
        server = Tollgate.start(AppConfig.load(env));

        sendTraffic();
        scrape = Exposition.parse(TestServers.get(server, "/observe/metrics").body()).labelNames();
    }

    @AfterAll
    static void stop() {
        NoteStub.stopAll(server, stub, db);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Manifests as files

    @Test
    void everyYamlFileUnderDeployParses() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(DEPLOY)) {
            files = walk.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted()
                    .toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(18);
        for (Path f : files) {
            List<Object> docs = Yaml.all(f);
            assertThat(docs).as(f.toString()).isNotEmpty().doesNotContainNull();
        }
        // both layers define every kind the fleet needs
        assertThat(overlay.kinds()).contains("Deployment", "Service", "HorizontalPodAutoscaler",
                                             "PodDisruptionBudget", "NetworkPolicy", "ServiceMonitor",
                                             "PrometheusRule");
        assertThat(overlay.secrets).containsKey("tollgate-secrets");
    }

    @Test
    void thePrometheusRuleIsThePlainRuleFile() {
        Map<String, Object> plain = Yaml.map(Yaml.all(RULES).getFirst());
        Map<String, Object> rule = base.doc("PrometheusRule", "tollgate");
        assertThat(Yaml.map(rule.get("spec")).get("groups")).isEqualTo(plain.get("groups"));
    }

    @Test
    void everyAlertHasAFiringUnitTestAndARunbookEntry() throws IOException {
        String runbook = Files.readString(ROOT.resolve("docs/operations.md"));
        Set<String> tested = new TreeSet<>();
        try (Stream<Path> tests = Files.list(DEPLOY.resolve("prometheus/tests"))) {
            for (Path f : tests.sorted().toList()) {
                Map<String, Object> file = Yaml.map(Yaml.all(f).getFirst());
                for (Object rf : Yaml.list(file.get("rule_files"))) {
                    assertThat(f.getParent().resolve(rf.toString()).normalize()).as(f + " rule file").isEqualTo(RULES);
                }
                for (Object t : Yaml.list(file.get("tests"))) {
                    for (Object a : Yaml.list(Yaml.map(t).get("alert_rule_test"))) {
                        if (!Yaml.list(Yaml.map(a).get("exp_alerts")).isEmpty()) {
                            tested.add(Yaml.str(Yaml.map(a).get("alertname")));
                        }
                    }
                }
            }
        }
        List<Map<String, Object>> alerts = alerts();
        assertThat(alerts).hasSizeGreaterThanOrEqualTo(7);
        for (Map<String, Object> alert : alerts) {
            String name = Yaml.str(alert.get("alert"));
            assertThat(tested).as("a promtool test where " + name + " fires").contains(name);
            assertThat(runbook).as("runbook heading for " + name).containsPattern("(?m)^### " + name + "$");
            assertThat(Yaml.map(alert.get("annotations")).get("runbook_url"))
                    .isEqualTo("docs/operations.md#" + name.toLowerCase(Locale.ROOT));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Settings

    @Test
    void everySettingInTheManifestsIsOneTheServerReads() {
        Set<String> known = knownSettings();
        for (Layer layer : List.of(base, overlay)) {
            for (Map.Entry<String, Map<String, String>> cm : layer.configMaps.entrySet()) {
                assertThat(known).as("settings in ConfigMap " + cm.getKey()).containsAll(cm.getValue().keySet());
            }
            for (Map.Entry<String, Map<String, String>> s : layer.secrets.entrySet()) {
                assertThat(known).as("settings in Secret " + s.getKey()).containsAll(s.getValue().keySet());
            }
            for (Map<String, Object> d : layer.docs("Deployment")) {
                assertThat(known).as("env of Deployment " + Layer.name(d)).containsAll(layer.envNames(d));
            }
        }
        // secrets stay in the Secret: no key of it is also set in a ConfigMap
        Set<String> secretKeys = overlay.secrets.get("tollgate-secrets").keySet();
        assertThat(secretKeys).contains("DATABASE_PASSWORD", "TOLLGATE_MASTER_KEY", "TOLLGATE_ADMIN_TOKEN",
                                        "TOLLGATE_LLM_API_KEY");
        for (Layer layer : List.of(base, overlay)) {
            for (Map<String, String> cm : layer.configMaps.values()) {
                assertThat(cm.keySet()).doesNotContainAnyElementsOf(secretKeys);
            }
        }
    }

    @Test
    void theIngressDeploymentRunsNoWorkerAndTheWorkerDeploymentDoes() {
        Map<String, String> ingress = overlay.env(overlay.deployment("tollgate-ingress"));
        Map<String, String> worker = overlay.env(overlay.deployment("tollgate-worker"));
        assertThat(AppConfig.load(withTestSecrets(ingress)).worker().settings().enabled()).isFalse();
        assertThat(AppConfig.load(withTestSecrets(worker)).worker().settings().enabled()).isTrue();
        // the traffic Service reaches ingress pods only; the metrics Service every pod
        Map<String, Object> traffic = overlay.doc("Service", "tollgate");
        Map<String, Object> metrics = overlay.doc("Service", "tollgate-metrics");
        assertThat(selects(traffic, overlay.deployment("tollgate-ingress"))).isTrue();
        assertThat(selects(traffic, overlay.deployment("tollgate-worker"))).isFalse();
        assertThat(selects(metrics, overlay.deployment("tollgate-ingress"))).isTrue();
        assertThat(selects(metrics, overlay.deployment("tollgate-worker"))).isTrue();
        // the operators' Service reaches the worker pods (which may call Gorgias and Shopify) only
        Map<String, Object> admin = overlay.doc("Service", "tollgate-admin");
        assertThat(selects(admin, overlay.deployment("tollgate-worker"))).isTrue();
        assertThat(selects(admin, overlay.deployment("tollgate-ingress"))).isFalse();
        // nor does a port-forward to an ingress pod reach an admin API there: its admin listener serves observe only
        assertThat(AppConfig.load(withTestSecrets(ingress)).server().admin())
                .as("ingress pods: TOLLGATE_ADMIN_API=false").hasValueSatisfying(a -> assertThat(a.api()).isFalse());
        assertThat(AppConfig.load(withTestSecrets(worker)).server().admin())
                .hasValueSatisfying(a -> assertThat(a.api()).isTrue());
    }

    @Test
    void everyDeploymentsSettingsAreValidAndThePlaceholderSecretsAreRefused() {
        for (Layer layer : List.of(base, overlay)) {
            for (Map<String, Object> d : layer.docs("Deployment")) {
                Map<String, String> env = layer.env(d);
                // the manifest's own values (database URL included), secrets replaced: all pass the server's checks
                AppConfig config = AppConfig.load(withTestSecrets(env));
                assertThat(config.database().url()).as(Layer.name(d)).isPresent();
                assertThat(config.ingress().rateMode().name()).as("a fleet shares its rate buckets")
                        .isEqualTo("POSTGRES");
            }
        }
        // the example overlay's placeholders stop the boot, naming the setting
        Map<String, String> placeholders = overlay.env(overlay.deployment("tollgate-ingress"));
        assertThat(placeholders.get("TOLLGATE_MASTER_KEY")).startsWith("REPLACE");
        assertThatThrownBy(() -> AppConfig.load(placeholders)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("TOLLGATE_MASTER_KEY");
    }

    @Test
    void terminationGraceCoversTheDrain() {
        for (Map<String, Object> d : overlay.docs("Deployment")) {
            AppConfig config = AppConfig.load(withTestSecrets(overlay.env(d)));
            long grace = config.server().shutdownGrace().toSeconds();
            Map<String, Object> pod = Layer.podSpec(d);
            long preStop = 0;
            Object sleep = Yaml.at(Layer.container(d), "lifecycle", "preStop", "sleep", "seconds");
            if (sleep != null) {
                preStop = ((Number) sleep).longValue();
            }
            // server.stop (grace), then a worker: its claimer (grace + 5 s) and its running jobs (grace)
            long drain = preStop + grace + (config.worker().settings().enabled() ? grace + 5 + grace : 0);
            long terminationGrace = ((Number) pod.get("terminationGracePeriodSeconds")).longValue();
            assertThat(terminationGrace).as(Layer.name(d) + ": terminationGracePeriodSeconds over the drain")
                    .isGreaterThanOrEqualTo(drain + 5);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Against the running server

    @Test
    void portsAndProbesAreWhatTheServerServes() {
        for (Map<String, Object> d : overlay.docs("Deployment")) {
            AppConfig config = AppConfig.load(withTestSecrets(overlay.env(d)));
            Map<String, Object> container = Layer.container(d);
            Map<String, Integer> expected = new HashMap<>(Map.of("http", config.server().port()));
            config.server().admin().ifPresent(a -> expected.put("admin", a.port()));
            assertThat(expected).as(Layer.name(d) + ": an admin listener (TOLLGATE_ADMIN_PORT)").containsKey("admin");
            assertThat(containerPorts(d)).as(Layer.name(d) + " container ports").isEqualTo(expected);
            for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
                Map<String, Object> http = Yaml.map(Yaml.at(container, probe, "httpGet"));
                assertThat(http).as(Layer.name(d) + " " + probe).isNotNull();
                // the kubelet checks the listener merchants' deliveries use, which answers without details
                assertThat(http.get("port")).as(Layer.name(d) + " " + probe + " port").isEqualTo("http");
                HttpResponse<String> res = onPublicPort(server, Yaml.str(http.get("path")));
                assertThat(res.statusCode()).as(probe + " " + http.get("path")).isEqualTo(200);
                assertThat(res.body()).as(probe + " " + http.get("path")).isEqualTo("{\"status\":\"UP\"}");
            }
        }
        for (Map<String, Object> svc : overlay.docs("Service")) {
            // webhooks only through the traffic Service; every other Service is the operators' or Prometheus'
            String wanted = Layer.name(svc).equals("tollgate") ? "http" : "admin";
            List<Object> ports = Yaml.list(Yaml.map(svc.get("spec")).get("ports"));
            assertThat(ports).as(Layer.name(svc) + " ports").hasSize(1);
            assertThat(Yaml.map(ports.getFirst()).get("targetPort")).as(Layer.name(svc) + " targetPort")
                    .isEqualTo(wanted);
        }
    }

    @Test
    void onlyWebhooksAndABareHealthAnswerAreOnThePublicPort() {
        // the server runs the worker Deployment's environment, admin listener included
        assertThat(server.adminPort()).isNotEqualTo(server.port());
        for (String path : List.of("/admin/tenants", "/openapi", "/observe/metrics")) {
            HttpResponse<String> res = onPublicPort(server, path);
            assertThat(res.statusCode()).as(path + " on the public port").isEqualTo(404);
            assertThat(res.headers().firstValue("Content-Type")).as(path).hasValue("application/problem+json");
        }
        assertThat(onPublicPort(server, "/observe/health").body()).isEqualTo("{\"status\":\"UP\"}");
        assertThat(TestServers.get(server, "/observe/health").body()).as("the admin port's detail")
                .contains("\"name\":\"db\"");
        assertThat(TestServers.get(server, "/openapi").statusCode()).isEqualTo(200);
        assertThat(TestServers.get(server, "/admin/tenants").statusCode()).as("no token").isEqualTo(401);
    }

    @Test
    void theNetworkPolicyAdmitsTheIngressControllerToWebhooksAndOperatorsAndPrometheusToTheAdminPort() {
        Map<String, Object> traffic = overlay.doc("Service", "tollgate");
        Map<String, Object> admin = overlay.doc("Service", "tollgate-admin");
        for (Map<String, Object> d : overlay.docs("Deployment")) {
            Map<String, Object> np = policyOf(d);
            Map<String, Set<String>> admitted = new TreeMap<>();
            for (Object r : Yaml.list(Yaml.map(np.get("spec")).get("ingress"))) {
                Map<String, Object> rule = Yaml.map(r);
                List<Object> from = Yaml.list(rule.get("from"));
                List<Object> ports = Yaml.list(rule.get("ports"));
                assertThat(from).as(Layer.name(np) + ": a rule admits named peers, not everyone").isNotEmpty();
                assertThat(ports).as(Layer.name(np) + ": a rule names its ports").isNotEmpty();
                for (Object p : ports) {
                    for (Object f : from) {
                        admitted.computeIfAbsent(Yaml.str(Yaml.map(p).get("port")), k -> new TreeSet<>())
                                .add(peer(Yaml.map(f)));
                    }
                }
            }
            Map<String, Set<String>> expected = new TreeMap<>();
            if (selects(traffic, d)) {
                expected.put("http", Set.of(INGRESS_CONTROLLER));
            }
            Set<String> adminPeers = new TreeSet<>(Set.of(PROMETHEUS));
            if (selects(admin, d)) {
                adminPeers.add(OPERATORS);
            }
            expected.put("admin", adminPeers);
            assertThat(admitted).as(Layer.name(np) + " (pods of " + Layer.name(d) + "): who may reach which port")
                    .isEqualTo(expected);
        }
    }

    @Test
    void onlyPodsThatMayReachPublicHttpsServeTheAdminApi() {
        // connect, rotate and delete call Gorgias and Shopify: the pods operators reach must be allowed out on 443
        // (public addresses only), and the pods that take the internet's traffic are not allowed out at all
        Map<String, Object> admin = overlay.doc("Service", "tollgate-admin");
        for (Map<String, Object> d : overlay.docs("Deployment")) {
            boolean worker = AppConfig.load(withTestSecrets(overlay.env(d))).worker().settings().enabled();
            List<Map<String, Object>> https = new ArrayList<>();
            for (Object r : Yaml.list(Yaml.map(policyOf(d).get("spec")).get("egress"))) {
                Map<String, Object> rule = Yaml.map(r);
                assertThat(Yaml.list(rule.get("ports"))).as(Layer.name(d) + ": every egress rule names its ports")
                        .isNotEmpty();
                if (Yaml.list(rule.get("ports")).stream().anyMatch(p -> "443".equals(Yaml.str(Yaml.map(p)
                                                                                                 .get("port"))))) {
                    https.add(rule);
                }
            }
            if (!selects(admin, d) && !worker) {
                assertThat(https).as(Layer.name(d) + ": no upstream calls, no HTTPS out").isEmpty();
                continue;
            }
            assertThat(https).as(Layer.name(d) + ": HTTPS out for the upstream calls").hasSize(1);
            boolean v4 = false;
            for (Object t : Yaml.list(https.getFirst().get("to"))) {
                Map<String, Object> block = Yaml.map(Yaml.map(t).get("ipBlock"));
                assertThat(block).as(Layer.name(d) + ": HTTPS to address blocks only").isNotNull();
                Set<String> except = new TreeSet<>(Yaml.list(block.get("except")).stream().map(Yaml::str).toList());
                switch (Yaml.str(block.get("cidr"))) {
                    case "0.0.0.0/0" -> {
                        v4 = true;
                        assertThat(except).as(Layer.name(d) + ": private, loopback and metadata ranges excluded")
                                .containsAll(List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                                     "169.254.0.0/16", "127.0.0.0/8", "100.64.0.0/10"));
                    }
                    case "::/0" -> assertThat(except).as(Layer.name(d) + ": IPv6 private and local ranges excluded")
                            .containsAll(List.of("fc00::/7", "fe80::/10", "::1/128"));
                    default -> throw new AssertionError(Layer.name(d) + ": HTTPS to " + block.get("cidr")
                                                                + ", expected the public internet minus private ranges");
                }
            }
            assertThat(v4).as(Layer.name(d) + ": public IPv4 on 443").isTrue();
        }
    }

    @Test
    void noPodGetsAServiceAccountToken() {
        for (Map<String, Object> d : overlay.docs("Deployment")) {
            assertThat(Layer.podSpec(d).get("automountServiceAccountToken")).as(Layer.name(d)).isEqualTo(false);
        }
    }

    @Test
    void forwardedForIsBelievedOnlyFromTheClustersOwnAddresses() {
        List<AddressRange> privateRanges = Stream.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                                     "100.64.0.0/10", "fc00::/7").map(AddressRange::parse).toList();
        for (Map<String, Object> d : overlay.docs("Deployment")) {
            AppConfig config = AppConfig.load(withTestSecrets(overlay.env(d)));
            // X-Forwarded-For is believed (behind the ingress controller) exactly when trusted proxies are set
            List<AddressRange> proxies = config.server().trustedProxies();
            assertThat(proxies).as(Layer.name(d) + " behind the ingress controller: TOLLGATE_TRUSTED_PROXIES")
                    .isNotEmpty();
            for (AddressRange r : proxies) {
                // the ingress controller is a pod: a range inside the private ones, never the internet
                assertThat(privateRanges.stream().anyMatch(p -> p.prefix() <= r.prefix() && p.contains(r.network())))
                        .as(Layer.name(d) + ": trusted proxy range " + r).isTrue();
            }
        }
    }

    @Test
    void livenessSurvivesADatabaseOutageAndReadinessDoesNot() throws Exception {
        Map<String, Object> ingress = overlay.deployment("tollgate-ingress");
        Map<String, Object> container = Layer.container(ingress);
        String live = Yaml.str(Yaml.at(container, "livenessProbe", "httpGet", "path"));
        String started = Yaml.str(Yaml.at(container, "startupProbe", "httpGet", "path"));
        String ready = Yaml.str(Yaml.at(container, "readinessProbe", "httpGet", "path"));
        try (TcpProxy proxy = new TcpProxy(db.address().getHost(), db.address().getPort())) {
            Tollgate viaProxy = Tollgate.start(AppConfig.load(testEnv(
                    overlay.env(ingress),
                    "jdbc:postgresql://" + proxy.host() + ":" + proxy.port() + "/" + db.name())));
            try {
                assertThat(onPublicPort(viaProxy, ready).statusCode()).isEqualTo(200);
                proxy.cut();
                // the public answer reuses the last check for up to a second (anyone may call it)
                int cut = onPublicPort(viaProxy, ready).statusCode();
                long cutDeadline = System.nanoTime() + WAIT.toNanos();
                while (cut != 503 && System.nanoTime() < cutDeadline) {
                    Thread.sleep(100);
                    cut = onPublicPort(viaProxy, ready).statusCode();
                }
                assertThat(cut).as("readiness, database cut").isEqualTo(503);
                assertThat(onPublicPort(viaProxy, live).statusCode()).as("liveness, database cut")
                        .isEqualTo(200);
                assertThat(onPublicPort(viaProxy, started).statusCode()).as("startup, database cut")
                        .isEqualTo(200);
                proxy.restore();
                int status = 0;
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (status != 200 && System.nanoTime() < deadline) {
                    status = onPublicPort(viaProxy, ready).statusCode();
                    Thread.sleep(100);
                }
                assertThat(status).as("readiness once the database is back").isEqualTo(200);
            } finally {
                viaProxy.close();
            }
        }
    }

    @Test
    void thePrometheusScrapeConfigsUseTheServersMetricsPath() throws IOException {
        Map<String, Object> prom = Yaml.map(Yaml.all(DEPLOY.resolve("prometheus/prometheus.yml")).getFirst());
        Map<String, Object> job = Yaml.map(Yaml.list(prom.get("scrape_configs")).getFirst());
        String path = Yaml.str(job.get("metrics_path"));
        Map<String, Object> monitor = overlay.doc("ServiceMonitor", "tollgate");
        Map<String, Object> endpoint = Yaml.map(Yaml.list(Yaml.map(monitor.get("spec")).get("endpoints")).getFirst());
        assertThat(endpoint.get("path")).isEqualTo(path);
        // the ServiceMonitor picks the metrics Service (every pod, once) and names one of its ports
        Map<String, Object> metricsService = overlay.doc("Service", "tollgate-metrics");
        Map<String, Object> wanted = Yaml.map(Yaml.at(monitor, "spec", "selector", "matchLabels"));
        assertThat(Yaml.map(Yaml.at(metricsService, "metadata", "labels"))).containsAllEntriesOf(
                Yaml.strings(wanted));
        Map<String, String> trafficLabels = Yaml.strings(Yaml.map(Yaml.at(overlay.doc("Service", "tollgate"),
                                                                          "metadata", "labels")));
        assertThat(trafficLabels.entrySet().containsAll(Yaml.strings(wanted).entrySet()))
                .as("the traffic Service is not scraped a second time").isFalse();
        assertThat(Yaml.list(Yaml.map(metricsService.get("spec")).get("ports")).stream()
                           .map(p -> Yaml.map(p).get("name"))).contains(endpoint.get("port"));
        // that Service port leads to the container port of the admin listener, where the metrics are
        for (Object p : Yaml.list(Yaml.map(metricsService.get("spec")).get("ports"))) {
            if (endpoint.get("port").equals(Yaml.map(p).get("name"))) {
                assertThat(Yaml.map(p).get("targetPort")).isEqualTo("admin");
            }
        }
        for (Map<String, Object> d : overlay.docs("Deployment")) {
            assertThat(containerPorts(d).get("admin")).as(Layer.name(d) + " admin port = TOLLGATE_ADMIN_PORT")
                    .isEqualTo(AppConfig.load(withTestSecrets(overlay.env(d))).server().admin().orElseThrow().port());
        }
        HttpResponse<String> res = TestServers.send(HttpRequest.newBuilder(
                TestServers.at(server.adminPort(), path)).GET().build());
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.body()).contains("# TYPE tollgate_webhooks_total counter");
        assertThat(onPublicPort(server, path).statusCode()).as("no metrics on the public port").isEqualTo(404);
        assertThat(Yaml.str(Yaml.list(Yaml.map(Yaml.list(job.get("static_configs")).getFirst()).get("targets"))
                                    .getFirst())).startsWith("127.0.0.1:");
    }

    @Test
    void everyMetricAndLabelInTheAlertsIsServed() {
        List<String> exprs = alerts().stream().map(a -> Yaml.str(a.get("expr"))).toList();
        assertServed("alert rules", exprs);
    }

    @Test
    void everyMetricAndLabelOnTheDashboardIsServed() throws IOException {
        JsonNode dash = JSON.readTree(DEPLOY.resolve("grafana/tollgate.json").toFile());
        List<String> exprs = new ArrayList<>();
        Set<String> panelTitles = new LinkedHashSet<>();
        for (JsonNode panel : dash.get("panels")) {
            panelTitles.add(panel.get("title").asText());
            for (JsonNode target : panel.path("targets")) {
                exprs.add(target.get("expr").asText());
            }
            if (panel.has("targets")) {
                assertThat(panel.at("/datasource/uid").asText()).as(panel.get("title").asText())
                        .isEqualTo("${datasource}");
            }
        }
        boolean datasourceVariable = false;
        for (JsonNode v : dash.at("/templating/list")) {
            if ("datasource".equals(v.get("type").asText())) {
                datasourceVariable = "datasource".equals(v.get("name").asText())
                        && "prometheus".equals(v.get("query").asText());
            }
            if ("query".equals(v.get("type").asText())) {
                JsonNode q = v.get("query");
                exprs.add(q.isTextual() ? q.asText() : q.get("query").asText());
            }
        }
        assertThat(datasourceVariable).as("a Prometheus datasource variable named datasource").isTrue();
        assertThat(exprs).hasSizeGreaterThanOrEqualTo(15);
        assertServed("dashboard", exprs);
        // the series the issue asks to see, each on some panel
        String all = String.join("\n", exprs);
        assertThat(all).contains("tollgate_webhooks_total", "tollgate_webhook_ack_seconds_bucket",
                                 "tollgate_queue_depth", "tollgate_queue_oldest_seconds", "tollgate_jobs_total",
                                 "tollgate_drafts_posted_total", "tollgate_upstream_requests_total",
                                 "tollgate_upstream_seconds_bucket", "tollgate_db_pool_connections",
                                 "tollgate_db_admin_pool_connections", "tollgate_db_worker_pool_connections",
                                 "tollgate_connections_broken", "tollgate_tenants_silent",
                                 // JVM memory: Helidon's built-in heap meters, ours for non-heap and resident memory
                                 "memory_used_heap_bytes", "memory_max_heap_bytes", "memory_used_non_heap_bytes",
                                 "process_resident_memory_bytes");
        assertThat(panelTitles).isNotEmpty();
    }

    /** Every selector's metric is in the scrape with every label it matches on, and every grouping label exists. */
    private static void assertServed(String where, List<String> exprs) {
        for (String expr : exprs) {
            PromQl q = PromQl.scan(expr);
            assertThat(q.selectors()).as(where + ": metrics in " + expr).isNotEmpty();
            Set<String> labelsOfExpr = new TreeSet<>();
            for (PromQl.Selector s : q.selectors()) {
                assertThat(scrape).as(where + ": " + s.metric() + " (in " + expr + ") in the scrape")
                        .containsKey(s.metric());
                Set<String> labels = scrape.get(s.metric());
                assertThat(labels).as(where + ": labels of " + s.metric()).containsAll(s.labels());
                labelsOfExpr.addAll(labels);
            }
            assertThat(labelsOfExpr).as(where + ": grouping labels in " + expr).containsAll(q.groupingLabels());
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Helpers

    /** The ingress controller's namespace, Prometheus', and the label of the namespaces operators work from. */
    private static final String INGRESS_CONTROLLER = "namespace {kubernetes.io/metadata.name=ingress-nginx}";
    private static final String PROMETHEUS = "namespace {kubernetes.io/metadata.name=monitoring}";
    private static final String OPERATORS = "namespace {tollgate.dev/operators=true}";

    /** A NetworkPolicy peer in words: {@code namespace {labels}}, {@code pod {labels}}, {@code ipBlock cidr}. */
    private static String peer(Map<String, Object> from) {
        List<String> parts = new ArrayList<>();
        if (from.containsKey("namespaceSelector")) {
            parts.add("namespace " + new TreeMap<>(Yaml.strings(Yaml.map(
                    Yaml.at(from, "namespaceSelector", "matchLabels")))));
        }
        if (from.containsKey("podSelector")) {
            parts.add("pod " + new TreeMap<>(Yaml.strings(Yaml.map(Yaml.at(from, "podSelector", "matchLabels")))));
        }
        if (from.containsKey("ipBlock")) {
            parts.add("ipBlock " + Yaml.at(from, "ipBlock", "cidr"));
        }
        return String.join(" and ", parts);
    }

    /** The one NetworkPolicy whose pod selector picks this Deployment's pods. */
    private static Map<String, Object> policyOf(Map<String, Object> deployment) {
        Map<String, String> labels = Yaml.strings(Yaml.map(Yaml.at(deployment, "spec", "template", "metadata",
                                                                   "labels")));
        List<Map<String, Object>> policies = overlay.docs("NetworkPolicy").stream()
                .filter(np -> labels.entrySet().containsAll(Yaml.strings(Yaml.map(
                        Yaml.at(np, "spec", "podSelector", "matchLabels"))).entrySet()))
                .toList();
        assertThat(policies).as("NetworkPolicies of " + Layer.name(deployment)).hasSize(1);
        return policies.getFirst();
    }

    private static Map<String, Integer> containerPorts(Map<String, Object> deployment) {
        Map<String, Integer> ports = new HashMap<>();
        for (Object p : Yaml.list(Layer.container(deployment).get("ports"))) {
            ports.put(Yaml.str(Yaml.map(p).get("name")), ((Number) Yaml.map(p).get("containerPort")).intValue());
        }
        return ports;
    }

    /** GET on the public listener, whatever the path (TestServers.get sends operators' paths to the admin one). */
    private static HttpResponse<String> onPublicPort(Tollgate gateway, String path) {
        return TestServers.send(HttpRequest.newBuilder(TestServers.at(gateway.port(), path)).GET().build());
    }

    private static List<Map<String, Object>> alerts() {
        List<Map<String, Object>> alerts = new ArrayList<>();
        for (Object g : Yaml.list(Yaml.map(Yaml.all(RULES).getFirst()).get("groups"))) {
            for (Object r : Yaml.list(Yaml.map(g).get("rules"))) {
                alerts.add(Yaml.map(r));
            }
        }
        return alerts;
    }

    /** A tenant whose Gorgias and Shopify are the stub, and one customer message that ends in a posted note. */
    private static void sendTraffic() {
        String base = "http://127.0.0.1:" + stub.port();
        HttpResponse<String> created = Webhooks.admin(server, "POST", "/admin/tenants", """
                {"slug": "deploy-check", "name": "Deploy check",
                 "gorgias": {"domain": "deploycheck", "username": "agent@deploy-check.example",
                             "api_key": "gk-deploy-check-0123456789", "base_url": "%1$s"},
                 "shopify": {"shop_domain": "deploy-check.myshopify.com", "access_token": "shpat_deploy_0123456789",
                             "webhook_secret": "shpss_deploy_check", "base_url": "%1$s"}}""".formatted(base));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String secret = Webhooks.json(created.body()).get("gorgias_webhook_secret").asText();
        byte[] ticket = """
                {"ticket": {"id": 61000000001, "subject": "Where is my order?", "channel": "email", "status": "open",
                 "customer": {"id": 7001, "email": "bob.norman@hostmail.com", "name": "Bob Norman"},
                 "messages": [
                   {"id": 71000000001, "channel": "email", "via": "email", "from_agent": false,
                    "sender": {"id": 7001, "email": "bob.norman@hostmail.com"},
                    "body_text": "Hi, where is my order #1001?", "body_html": "<p>Hi, where is my order #1001?</p>",
                    "created_datetime": "2024-01-15T10:30:00+00:00", "external_id": null}]}}"""
                .getBytes(StandardCharsets.UTF_8);
        NoteStub.ticket(stub, "agent@deploy-check.example", "gk-deploy-check-0123456789", ticket);
        HttpResponse<String> accepted = Webhooks.post(server, "/webhooks/deploy-check/gorgias", ticket,
                                                      "X-Tollgate-Token", secret,
                                                      "X-Gorgias-Webhook-Id", "deploy-check-1");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        NoteStub.awaitPosted(server, "deploy-check", WAIT);
    }

    /** A manifest's environment as the server reads it, with the test's secrets in place of the cluster's. */
    private static Map<String, String> withTestSecrets(Map<String, String> manifest) {
        Map<String, String> env = new HashMap<>(manifest);
        env.putAll(testSecrets());
        return env;
    }

    /** The same, to start a server here: the test's database, a free loopback port, a short grace. */
    private static Map<String, String> testEnv(Map<String, String> manifest, String jdbcUrl) {
        Map<String, String> env = withTestSecrets(manifest);
        env.put("DATABASE_URL", jdbcUrl);
        env.put("DATABASE_USER", db.user());
        env.put("DATABASE_PASSWORD", db.password());
        env.put("TOLLGATE_HOST", "127.0.0.1");
        env.put("PORT", "0");
        if (env.containsKey("TOLLGATE_ADMIN_PORT")) {
            env.put("TOLLGATE_ADMIN_PORT", "0"); // a free port of its own, as the manifest's is
        }
        env.put("TOLLGATE_SHUTDOWN_GRACE_SECONDS", "2");
        return env;
    }

    private static Map<String, String> testSecrets() {
        return Map.of("TOLLGATE_MASTER_KEY", MasterKey.generateBase64(),
                      "TOLLGATE_ADMIN_TOKEN", TestServers.ADMIN_TOKEN,
                      "DATABASE_PASSWORD", db == null ? "" : db.password());
    }

    /**
     * Every setting the server reads, derived: the names {@code .env.example} documents, and the keys of
     * {@code application.yaml} as environment variables (tollgate.db.pool.size is TOLLGATE_DB_POOL_SIZE). The
     * second must be a part of the first, so the first is complete.
     */
    private static Set<String> knownSettings() {
        Set<String> documented = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^([A-Z][A-Z0-9_]*)=").matcher(read(ROOT.resolve(".env.example")));
        while (m.find()) {
            documented.add(m.group(1));
        }
        Set<String> defaults = new TreeSet<>();
        Map<String, Object> yaml = new LinkedHashMap<>(Yaml.map(Yaml.all(
                ROOT.resolve("platform-api/src/main/resources/application.yaml")).getFirst()));
        // Helidon's own section (its built-in meters' name format), read by Helidon's configuration: not ours
        yaml.remove("metrics");
        flatten("", yaml, defaults);
        assertThat(documented).as(".env.example documents every default of application.yaml").containsAll(defaults);
        assertThat(documented).contains("DATABASE_URL", "DATABASE_PASSWORD", "TOLLGATE_MASTER_KEY",
                                        "TOLLGATE_ADMIN_TOKEN");
        return documented;
    }

    private static void flatten(String prefix, Map<String, Object> node, Set<String> into) {
        for (Map.Entry<String, Object> e : node.entrySet()) {
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue() instanceof Map<?, ?>) {
                flatten(key, Yaml.map(e.getValue()), into);
            } else {
                into.add(key.toUpperCase(Locale.ROOT).replace('.', '_'));
            }
        }
    }

    private static boolean selects(Map<String, Object> service, Map<String, Object> deployment) {
        Map<String, String> selector = Yaml.strings(Yaml.map(Yaml.at(service, "spec", "selector")));
        Map<String, String> podLabels = Yaml.strings(Yaml.map(Yaml.at(deployment, "spec", "template", "metadata",
                                                                      "labels")));
        return podLabels.entrySet().containsAll(selector.entrySet());
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path repoRoot() {
        Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("deploy/kubernetes"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("no deploy/kubernetes above " + System.getProperty("user.dir"));
        }
        return p;
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** SnakeYAML's untyped trees, read with a little less casting. */
    static final class Yaml {
        private Yaml() {
        }

        static List<Object> all(Path file) {
            try (Reader r = Files.newBufferedReader(file)) {
                List<Object> docs = new ArrayList<>();
                for (Object doc : new org.yaml.snakeyaml.Yaml().loadAll(r)) {
                    if (doc != null || docs.isEmpty()) {
                        docs.add(doc);
                    }
                }
                return docs;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @SuppressWarnings("unchecked")
        static Map<String, Object> map(Object o) {
            return (Map<String, Object>) o;
        }

        static List<Object> list(Object o) {
            if (o == null) {
                return List.of();
            }
            @SuppressWarnings("unchecked")
            List<Object> l = (List<Object>) o;
            return l;
        }

        static String str(Object o) {
            return o == null ? null : o.toString();
        }

        static Map<String, String> strings(Map<String, Object> m) {
            Map<String, String> out = new LinkedHashMap<>();
            if (m != null) {
                m.forEach((k, v) -> out.put(k, v == null ? "" : v.toString()));
            }
            return out;
        }

        /** The value at a path of map keys, or null. */
        static Object at(Map<String, Object> root, String... keys) {
            Object o = root;
            for (String k : keys) {
                if (!(o instanceof Map<?, ?> m)) {
                    return null;
                }
                o = m.get(k);
            }
            return o;
        }
    }

    /**
     * A Kustomize layer as far as these checks need it: its documents (own and its bases'), and its ConfigMaps and
     * Secrets by name, whether written out or generated (env files, literals; create, merge and replace).
     */
    record Layer(List<Map<String, Object>> docs, Map<String, Map<String, String>> configMaps,
                 Map<String, Map<String, String>> secrets) {

        static Layer resolve(Path dir) {
            Map<String, Object> k = Yaml.map(Yaml.all(dir.resolve("kustomization.yaml")).getFirst());
            List<Map<String, Object>> docs = new ArrayList<>();
            Map<String, Map<String, String>> configMaps = new LinkedHashMap<>();
            Map<String, Map<String, String>> secrets = new LinkedHashMap<>();
            for (Object r : Yaml.list(k.get("resources"))) {
                Path p = dir.resolve(r.toString()).normalize();
                if (Files.isDirectory(p)) {
                    Layer under = resolve(p);
                    docs.addAll(under.docs);
                    under.configMaps.forEach((n, v) -> configMaps.put(n, new LinkedHashMap<>(v)));
                    under.secrets.forEach((n, v) -> secrets.put(n, new LinkedHashMap<>(v)));
                } else {
                    for (Object doc : Yaml.all(p)) {
                        Map<String, Object> d = Yaml.map(doc);
                        docs.add(d);
                        if ("ConfigMap".equals(d.get("kind"))) {
                            configMaps.put(name(d), Yaml.strings(Yaml.map(d.get("data"))));
                        } else if ("Secret".equals(d.get("kind"))) {
                            Map<String, String> data = Yaml.strings(Yaml.map(d.get("stringData")));
                            Yaml.strings(Yaml.map(d.get("data"))).forEach((key, v) -> data.put(
                                    key, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
                            secrets.put(name(d), data);
                        }
                    }
                }
            }
            generate(dir, k.get("configMapGenerator"), configMaps);
            generate(dir, k.get("secretGenerator"), secrets);
            return new Layer(docs, configMaps, secrets);
        }

        private static void generate(Path dir, Object generators, Map<String, Map<String, String>> into) {
            for (Object g : Yaml.list(generators)) {
                Map<String, Object> gen = Yaml.map(g);
                String name = Yaml.str(gen.get("name"));
                Map<String, String> data = new LinkedHashMap<>();
                for (Object f : Yaml.list(gen.get("envs"))) {
                    data.putAll(envFile(dir.resolve(f.toString())));
                }
                for (Object l : Yaml.list(gen.get("literals"))) {
                    String s = l.toString();
                    data.put(s.substring(0, s.indexOf('=')), s.substring(s.indexOf('=') + 1));
                }
                String behavior = gen.get("behavior") == null ? "create" : gen.get("behavior").toString();
                switch (behavior) {
                    case "merge" -> {
                        assertThat(into).as("merge into " + name).containsKey(name);
                        into.get(name).putAll(data);
                    }
                    case "replace" -> {
                        assertThat(into).as("replace " + name).containsKey(name);
                        into.put(name, data);
                    }
                    default -> {
                        assertThat(into).as("create " + name).doesNotContainKey(name);
                        into.put(name, data);
                    }
                }
            }
        }

        /** Kustomize's env files: KEY=VALUE lines; blank lines and lines starting with # are skipped. */
        static Map<String, String> envFile(Path file) {
            Map<String, String> out = new LinkedHashMap<>();
            for (String line : read(file).split("\n")) {
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                int eq = t.indexOf('=');
                assertThat(eq).as(file + ": " + line).isPositive();
                assertThat(out).as(file + ": " + t.substring(0, eq) + " set twice").doesNotContainKey(
                        t.substring(0, eq));
                out.put(t.substring(0, eq), t.substring(eq + 1));
            }
            return out;
        }

        static String name(Map<String, Object> doc) {
            return Yaml.str(Yaml.at(doc, "metadata", "name"));
        }

        Set<String> kinds() {
            Set<String> kinds = new TreeSet<>();
            docs.forEach(d -> kinds.add(Yaml.str(d.get("kind"))));
            return kinds;
        }

        List<Map<String, Object>> docs(String kind) {
            return docs.stream().filter(d -> kind.equals(d.get("kind"))).toList();
        }

        Map<String, Object> doc(String kind, String name) {
            return docs(kind).stream().filter(d -> name.equals(name(d))).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
        }

        Map<String, Object> deployment(String name) {
            return doc("Deployment", name);
        }

        static Map<String, Object> podSpec(Map<String, Object> deployment) {
            return Yaml.map(Yaml.at(deployment, "spec", "template", "spec"));
        }

        static Map<String, Object> container(Map<String, Object> deployment) {
            List<Object> containers = Yaml.list(podSpec(deployment).get("containers"));
            assertThat(containers).as(name(deployment) + " containers").hasSize(1);
            return Yaml.map(containers.getFirst());
        }

        /** The names a Deployment's container gets from its ConfigMaps and its own env. */
        Set<String> envNames(Map<String, Object> deployment) {
            Set<String> names = new TreeSet<>(env(deployment).keySet());
            for (Object e : Yaml.list(container(deployment).get("env"))) {
                names.add(Yaml.str(Yaml.map(e).get("name")));
            }
            return names;
        }

        /**
         * The container's environment as Kubernetes builds it: envFrom sources in order (a later one wins), then
         * env. A Secret this layer does not define (the base's) leaves its variables out.
         */
        Map<String, String> env(Map<String, Object> deployment) {
            Map<String, Object> c = container(deployment);
            Map<String, String> env = new LinkedHashMap<>();
            for (Object from : Yaml.list(c.get("envFrom"))) {
                String cm = Yaml.str(Yaml.at(Yaml.map(from), "configMapRef", "name"));
                assertThat(configMaps).as(name(deployment) + " envFrom").containsKey(cm);
                env.putAll(configMaps.get(cm));
            }
            for (Object e : Yaml.list(c.get("env"))) {
                Map<String, Object> var = Yaml.map(e);
                String name = Yaml.str(var.get("name"));
                if (var.containsKey("value")) {
                    env.put(name, Yaml.str(var.get("value")));
                    continue;
                }
                Map<String, Object> ref = Yaml.map(Yaml.at(var, "valueFrom", "secretKeyRef"));
                assertThat(ref).as(name(deployment) + " " + name + ": a value or a secretKeyRef").isNotNull();
                Map<String, String> secret = secrets.get(Yaml.str(ref.get("name")));
                if (secret == null) {
                    continue;
                }
                String key = Yaml.str(ref.get("key"));
                if (secret.containsKey(key)) {
                    env.put(name, secret.get(key));
                } else {
                    assertThat(ref.get("optional")).as(name(deployment) + ": " + key + " missing and not optional")
                            .isEqualTo(Boolean.TRUE);
                }
            }
            return env;
        }
    }

    /** The metric names a PromQL expression selects (with the labels it matches on) and the labels it groups by. */
    record PromQl(List<Selector> selectors, Set<String> groupingLabels) {
        record Selector(String metric, Set<String> labels) {
        }

        private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring",
                                                           "group_left", "group_right", "bool", "offset", "inf",
                                                           "nan");
        private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
        private static final Pattern LABEL_VALUES = Pattern.compile(
                "label_values\\(\\s*([A-Za-z_:][A-Za-z0-9_:]*)\\s*,\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*\\)");
        private static final Pattern RANGE = Pattern.compile("\\[[^\\]]*\\]");
        private static final Pattern GROUPING = Pattern.compile(
                "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");
        private static final Pattern NAME = Pattern.compile(
                "(?<![A-Za-z0-9_:.$])([A-Za-z_:][A-Za-z0-9_:]*)\\s*(\\{([^}]*)\\})?(\\s*\\()?");
        private static final Pattern MATCHER = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)\\s*(=~|!~|!=|=)");

        static PromQl scan(String expr) {
            String e = STRING.matcher(expr).replaceAll("\"\"");
            Set<String> grouping = new TreeSet<>();
            Matcher lv = LABEL_VALUES.matcher(e);
            StringBuilder sb = new StringBuilder();
            while (lv.find()) {
                grouping.add(lv.group(2));
                lv.appendReplacement(sb, lv.group(1));
            }
            lv.appendTail(sb);
            e = RANGE.matcher(sb.toString()).replaceAll(" ");
            Matcher g = GROUPING.matcher(e);
            while (g.find()) {
                for (String l : g.group(2).split(",")) {
                    if (!l.isBlank()) {
                        grouping.add(l.strip());
                    }
                }
            }
            e = GROUPING.matcher(e).replaceAll(" ");
            List<Selector> selectors = new ArrayList<>();
            Matcher n = NAME.matcher(e);
            while (n.find()) {
                String name = n.group(1);
                if (n.group(4) != null || KEYWORDS.contains(name.toLowerCase(Locale.ROOT))) {
                    continue; // a function or an aggregation, or a keyword
                }
                Set<String> labels = new TreeSet<>();
                if (n.group(3) != null) {
                    Matcher m = MATCHER.matcher(n.group(3));
                    while (m.find()) {
                        labels.add(m.group(1));
                    }
                }
                selectors.add(new Selector(name, labels));
            }
            return new PromQl(selectors, grouping);
        }
    }
}
