package io.tollgate.api;

import io.helidon.metrics.api.MeterRegistry;
import io.helidon.security.Security;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.context.ContextFeature;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import io.tollgate.api.access.AuditLog;
import io.tollgate.api.access.TenantLookup;
import io.tollgate.api.admin.AdminFilter;
import io.tollgate.api.admin.KeyAdminService;
import io.tollgate.api.admin.OperatorAdminService;
import io.tollgate.api.admin.OperatorAuthProvider;
import io.tollgate.api.admin.OperatorTokens;
import io.tollgate.api.admin.TenantAdminService;
import io.tollgate.api.config.AppConfig;
import io.tollgate.api.connect.CheckSettings;
import io.tollgate.api.connect.ConnectService;
import io.tollgate.api.console.ConsoleService;
import io.tollgate.api.console.FleetStore;
import io.tollgate.api.consoleui.ConsoleUiService;
import io.tollgate.api.connect.ConnectionStore;
import io.tollgate.api.connect.Connector;
import io.tollgate.api.connect.DriftChecker;
import io.tollgate.api.connect.GorgiasConnection;
import io.tollgate.api.connect.ShopifyConnection;
import io.tollgate.api.connect.SilenceWatch;
import io.tollgate.api.datarequests.DataRequestWatch;
import io.tollgate.api.datarequests.DataRequests;
import io.tollgate.api.datarequests.DataRequestsService;
import io.tollgate.api.draft.DraftBudget;
import io.tollgate.api.draft.Drafting;
import io.tollgate.api.draft.LlmClient;
import io.tollgate.api.draft.LlmDraftWriter;
import io.tollgate.api.draft.LlmPrompt;
import io.tollgate.api.draft.LlmSettings;
import io.tollgate.api.draft.TemplateDraftWriter;
import io.tollgate.api.events.EventPartitions;
import io.tollgate.api.events.EventStore;
import io.tollgate.api.events.EventsService;
import io.tollgate.api.events.JobQueue;
import io.tollgate.api.events.RetentionSweeper;
import io.tollgate.api.gorgias.GorgiasClient;
import io.tollgate.api.helpdesk.HelpdeskStore;
import io.tollgate.api.helpdesk.NoteLedger;
import io.tollgate.api.helpdesk.TicketResponder;
import io.tollgate.api.http.ErrorHandling;
import io.tollgate.api.http.OpenApiService;
import io.tollgate.api.http.RequestIdFilter;
import io.tollgate.api.http.RouteTable;
import io.tollgate.api.ingest.Bulkheads;
import io.tollgate.api.ingest.DatabaseLoad;
import io.tollgate.api.ingest.EventWriter;
import io.tollgate.api.ingest.IngestService;
import io.tollgate.api.ingest.RateLimiter;
import io.tollgate.api.ingest.RecentDeliveries;
import io.tollgate.api.net.BufferBudget;
import io.tollgate.api.net.FailureLimiter;
import io.tollgate.api.net.Peers;
import io.tollgate.api.net.ReadTimeoutSocketOptions;
import io.tollgate.api.observe.DatabaseHealthCheck;
import io.tollgate.api.observe.IngressMetrics;
import io.tollgate.api.observe.PoolMetrics;
import io.tollgate.api.observe.ProcessMeters;
import io.tollgate.api.observe.ProcessMetrics;
import io.tollgate.api.observe.PublicHealth;
import io.tollgate.api.observe.TenantLabels;
import io.tollgate.api.observe.WorkerMetrics;
import io.tollgate.api.orders.OrderCache;
import io.tollgate.api.orders.OrderMatcher;
import io.tollgate.api.privacy.Erasure;
import io.tollgate.api.privacy.ErasureRecords;
import io.tollgate.api.privacy.PrivacyService;
import io.tollgate.api.shopify.ShopifyClient;
import io.tollgate.api.shopify.ShopifyEventHandler;
import io.tollgate.api.shopify.ShopifyPoints;
import io.tollgate.api.upstream.AccountPacing;
import io.tollgate.api.upstream.Upstream;
import io.tollgate.api.upstream.UpstreamMetrics;
import io.tollgate.api.upstream.UpstreamSettings;
import io.tollgate.api.worker.InstanceLock;
import io.tollgate.api.worker.JobRunner;
import io.tollgate.api.worker.Worker;
import io.tollgate.api.worker.WorkerSettings;
import io.tollgate.tenant.crypto.CredentialCipher;
import io.tollgate.tenant.db.DataException;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.db.DatabaseSettings;
import io.tollgate.tenant.db.SchemaMigrator;
import io.tollgate.tenant.resolve.TenantChangeListener;
import io.tollgate.tenant.resolve.TenantResolver;
import io.tollgate.tenant.store.CredentialRekey;
import io.tollgate.tenant.store.TenantStore;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * The composition root: builds every part from the configuration, in one place, and stops them in reverse order.
 * {@link #routing} registers every HTTP service; tests start the same server with {@link #start}.
 */
public final class Tollgate implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Tollgate.class.getName());
    /** The named socket of the operators' listener ({@code TOLLGATE_ADMIN_PORT}). */
    static final String ADMIN_SOCKET = "admin";

    private final WebServer server;

    private final RouteTable routes;
    /** Everything {@link #start} opened, closed in reverse order by {@link #close}. */
    private final Resources resources;

    private Tollgate(WebServer server, RouteTable routes, Resources resources) {
        this.server = server;
        this.routes = routes;
        this.resources = resources;
    }

    /**
     * Starts the gateway on a complete configuration (database URL and keys present). Each resource is registered
     * with one {@link Resources} as it opens, the web server last: a start that fails closes what it opened with the
     * same code as {@link #close}, in the same order (stop accepting and drain, the drift check, the worker, then the
     * pools).
     */
    public static Tollgate start(AppConfig config) {
        long t0 = System.nanoTime();
        DatabaseSettings settings = config.database().settings();
        try {
            Database.probe(settings);
        } catch (DataException e) {
            throw new StartupException("cannot use the database at DATABASE_URL=" + settings.redactedUrl() + ": "
                                               + e.getMessage(), e);
        }
        Resources resources = new Resources();
        try {
            Database db = resources.add(Database.open(settings));
            // the admin API's own few connections: operators are served while ingress holds every one of the main pool
            Database adminDb = resources.add(Database.open(config.database().adminSettings(), "tollgate-admin"));
            SchemaMigrator.migrate(db.dataSource());
            CredentialCipher cipher = new CredentialCipher(
                    config.keys().masterKey().orElseThrow(), config.keys().previousMasterKeys());
            TenantStore tenants = new TenantStore(db, cipher);
            TenantResolver resolver = new TenantResolver(tenants, config.tenants().cacheTtl(),
                                                         config.tenants().cacheSize(),
                                                         config.tenants().unknownTtl(),
                                                         config.tenants().unknownSize());
            MeterRegistry meters = ProcessMeters.registry();
            // one labelling for ingress's and the worker's series, so a tenant has the same label in both
            TenantLabels labels = TenantLabels.parse(config.metrics().tenantLabels(), config.metrics().tenantLabelCap());
            Optional<WorkerMetrics> workerMetrics = config.worker().settings().enabled()
                    ? Optional.of(new WorkerMetrics(meters, labels)) : Optional.empty();
            IngressMetrics ingressMetrics = new IngressMetrics(meters, labels);
            Consumer<String> known = slug -> {
                ingressMetrics.known(slug);
                workerMetrics.ifPresent(m -> m.known(slug));
            };
            // a tenant created on any instance gets its counters at 0 at once, not at 1 with its first delivery or job
            resources.add(TenantChangeListener.start(db, resolver, Duration.ofSeconds(5), known));
            // the tenants that exist (listed after the LISTEN, so none created meanwhile is missed), labelled in
            // creation order
            for (String slug : labels.initial(tenants::slugsByCreation)) {
                known.accept(slug);
            }
            DatabaseLoad ingressLoad = new DatabaseLoad(
                    config.ingress().queueMax(),
                    DatabaseLoad.statementsFor(config.database().poolSize(), config.ingress().writers()));

            ProcessMetrics.register(meters);
            PoolMetrics.register(meters, db);
            PoolMetrics.registerAdmin(meters, adminDb);
            RouteTable routes = new RouteTable();
            // one client per upstream for the whole process: the worker and the admin API's connects share their
            // per-tenant circuit breakers; Gorgias calls take from the fleet's budget per Gorgias account (its
            // domain), kept in the database so every pod counts every pod's calls
            UpstreamSettings upstream = config.upstreams().settings();
            UpstreamMetrics upstreamMetrics = new UpstreamMetrics(meters);
            // each shop's GraphQL points are reserved in a bucket the fleet shares (on the worker's pool)
            ShopifyClient shopify = resources.add(new ShopifyClient(upstream, upstreamMetrics, new ShopifyPoints(db)));
            // each Gorgias account's calls are counted in a sliding window the fleet shares
            AccountPacing gorgiasPacing = new AccountPacing(db, Upstream.GORGIAS, upstream.gorgiasCalls(),
                                                            upstream.gorgiasWindow(), t -> t.gorgias().domain());
            GorgiasClient gorgias = resources.add(new GorgiasClient(upstream, upstreamMetrics, gorgiasPacing));
            LlmSettings llmSettings = config.worker().llm();
            Optional<LlmClient> llm = llmSettings.enabled()
                    ? Optional.of(resources.add(new LlmClient(llmSettings, upstream, upstreamMetrics)))
                    : Optional.empty();
            Services services = services(config, db, adminDb, resolver, cipher, ingressLoad, ingressMetrics, routes,
                                         gorgias, shopify, resources);
            resources.add(new RetentionSweeper(db, new EventPartitions(db), config.ingress().retention(),
                                               config.ingress().deadRetention(), config.ingress().sweepDuty())
                                  .withMetrics(meters).start(config.ingress().sweepEvery()));
            // the open data requests of the fleet, read from the database for their gauges
            resources.add(new DataRequestWatch(new DataRequests(db), meters).start(DataRequestWatch.EVERY));

            DatabaseHealthCheck health = new DatabaseHealthCheck(db, adminDb, ingressLoad::snapshot,
                                                                 config.database().connectTimeout());
            Optional<AppConfig.AdminListener> admin = config.server().admin();
            WebServerConfig.Builder web = WebServer.builder()
                    .host(config.server().host())
                    .port(config.server().port())
                    .shutdownHook(false)
                    .shutdownGracePeriod(config.server().shutdownGrace())
                    // no read waits longer than this: stalled clients are answered 408 or closed. The timeout is
                    // the socket's SO_TIMEOUT, which only the stream-based sockets honour (not NIO channel reads)
                    .useNio(false)
                    .connectionOptions(ReadTimeoutSocketOptions.of(config.server().readTimeout()))
                    .directHandlers(ErrorHandling.directHandlers())
                    .featuresDiscoverServices(false)
                    .addFeature(ContextFeature.create())
                    // health with details and metrics: on the operators' listener when there is one
                    .addFeature(ObserveFeature.builder()
                                        .observersDiscoverServices(false)
                                        .sockets(admin.isPresent() ? List.of(ADMIN_SOCKET) : List.of())
                                        .addObserver(HealthObserver.builder().details(true).useSystemServices(false)
                                                             .addCheck(health).build())
                                        .addObserver(MetricsObserver.builder().meterRegistry(meters).build())
                                        .build());
            if (admin.isEmpty()) {
                web.routing(r -> routing(r, services));
            } else {
                // the public port: webhooks and a health answer without details; the rest is the operators'
                web.routing(r -> publicRouting(r, services, new PublicHealth(List.of(health))))
                        .putSocket(ADMIN_SOCKET, socket -> socket
                                .host(admin.get().host())
                                .port(admin.get().port())
                                .shutdownGracePeriod(config.server().shutdownGrace())
                                .useNio(false)
                                .connectionOptions(ReadTimeoutSocketOptions.of(config.server().readTimeout()))
                                .directHandlers(ErrorHandling.directHandlers())
                                .routing(r -> adminRouting(r, services, admin.get().api())));
            }
            if (config.worker().settings().enabled()) {
                // the worker's own pool: a busy worker never takes ingress's connections
                Database workerDb = resources.add(Database.open(config.database().workerSettings(
                        config.worker().settings().concurrency()), "tollgate-worker"));
                PoolMetrics.registerWorker(meters, workerDb);
                // stopped after the server has drained, before the pools; it gives back what it cannot finish
                resources.add(worker(config, workerDb, resolver, cipher, workerMetrics.orElseThrow(), gorgias, shopify,
                                     llm, gorgiasPacing));
            }
            if (config.connections().check().enabled()) {
                // the drift check: paced upstream calls and a few small statements a second on its own pool
                Database checkDb = resources.add(Database.open(config.database().checkSettings(), "tollgate-checks"));
                CheckSettings check = config.connections().check();
                resources.add(new DriftChecker(
                        new ConnectionStore(checkDb, check.interval()), resolver,
                        new GorgiasConnection(gorgias, Clock.systemUTC()), new ShopifyConnection(shopify), check, meters,
                        Optional.of(new SilenceWatch(checkDb, config.connections().silence(), meters,
                                                     Collections.min(List.of(SilenceWatch.EVERY, check.interval())))))
                        .start());
            }
            // opened last, so closed first: it stops accepting and lets in-flight requests finish
            WebServer server = web.build().start();
            if (!server.isRunning()) { // Helidon logged why and returned; a port was taken since Main checked it
                ListenPort.requireFree(config.server().host(), config.server().port());
                admin.ifPresent(a -> ListenPort.requireFreeAdmin(a.host(), a.port()));
                throw new StartupException("the web server could not start on " + config.server().host() + ":"
                                                   + config.server().port()
                                                   + admin.map(a -> " and " + a.host() + ":" + a.port()).orElse(""));
            }
            resources.add("WebServer", server::stop);
            LOG.log(Level.INFO, "Tollgate listening on http://" + config.server().host() + ":" + server.port()
                    + admin.map(a -> " (webhooks), operators on http://" + a.host() + ":" + server.port(ADMIN_SOCKET)
                    + " (/admin, /openapi, /observe)").orElse("")
                    + " (started in " + (System.nanoTime() - t0) / 1_000_000 + " ms; master key id "
                    + cipher.currentKeyId() + ")");
            return new Tollgate(server, routes, resources);
        } catch (RuntimeException e) {
            throw resources.closeAfter(e);
        }
    }

    /**
     * The merchant's job: the worker and everything it calls (upstream clients, order cache, note ledger, drafting),
     * over its own pool.
     */
    static Worker worker(AppConfig config, Database db, TenantResolver resolver, CredentialCipher cipher,
                         WorkerMetrics metrics, GorgiasClient gorgias, ShopifyClient shopify,
                         Optional<LlmClient> llm, AccountPacing gorgiasPacing) {
        OrderCache orders = new OrderCache(db);
        WorkerSettings settings = config.worker().settings();
        // one live process per instance id: its claims and note holds name it, so its restart takes them back at once
        InstanceLock instance = InstanceLock.acquire(db, config.worker().instanceId(), settings.renewEvery());
        Optional<String> instanceId = Optional.of(instance.id());
        // a note is held for a job lease, extended by the worker's heartbeat while its post runs
        TicketResponder tickets = new TicketResponder(
                new HelpdeskStore(db), new NoteLedger(db, settings.lease(), instanceId), orders, shopify, gorgias,
                new OrderMatcher(), drafting(config.worker().llm(), db, llm), config.worker().orderFreshness());
        ShopifyEventHandler shopifyEvents = new ShopifyEventHandler(orders, new TenantStore(db, cipher), shopify,
                                                                    new Erasure(db));
        // the worker reads its jobs' events through the events store, over the worker's pool
        JobRunner runner = new JobRunner(new EventStore(db), resolver, tickets, shopifyEvents, new DataRequests(db),
                                         settings.schedule(), metrics, Clock.systemUTC(),
                                         Optional.of(gorgiasPacing), // its jobs' Gorgias calls taken with the claim
                                         settings.lease());
        UpstreamSettings upstream = config.upstreams().settings();
        // a run given up while posting its note is waited for as long as the post can take: connect, then the answer
        return Worker.start(new JobQueue(db, instanceId), runner, settings, metrics,
                            upstream.connectTimeout().plus(upstream.readTimeout()).plusSeconds(1), instance);
    }

    /** Drafting by the template, and by the model through {@code llm} within each tenant's daily budget. */
    static Drafting drafting(LlmSettings settings, Database db, Optional<LlmClient> llm) {
        TemplateDraftWriter template = new TemplateDraftWriter();
        return llm.map(client -> new Drafting(template, new LlmDraftWriter(new LlmPrompt(settings), client),
                                              new DraftBudget(db), settings.dailyBudget()))
                .orElseGet(() -> new Drafting(template));
    }

    /**
     * Builds every HTTP service over the two pools ({@code db} for ingress, {@code adminDb} for the admin API),
     * registering what needs closing (ingress's writers and executor) with {@code resources}.
     */
    static Services services(AppConfig config, Database db, Database adminDb, TenantResolver resolver,
                             CredentialCipher cipher, DatabaseLoad ingressLoad, IngressMetrics ingressMetrics,
                             RouteTable routes, GorgiasClient gorgias, ShopifyClient shopify, Resources resources) {
        Peers peers = new Peers(config.server().trustedProxies());

        // the admin API runs on its own pool, never on ingress's; it fails closed (no valid operator token, no
        // access; every mutation audited)
        OperatorTokens tokens = new OperatorTokens(adminDb, config.keys().adminToken().orElseThrow());
        AuditLog audit = new AuditLog(adminDb);
        Security security = Security.builder()
                .addAuthenticationProvider(new OperatorAuthProvider(tokens), OperatorAuthProvider.NAME)
                .build();
        AdminFilter adminFilter = new AdminFilter(security, audit, config.cors().origins(),
                                                  operatorPeers(config, peers));
        TenantStore adminTenants = new TenantStore(adminDb, cipher);
        // the tenant of /admin/tenants/{slug}/**, looked up once per request, for admin, connect and events
        TenantLookup tenantLookup = new TenantLookup(adminTenants);
        Connector connector = new Connector(new GorgiasConnection(gorgias, Clock.systemUTC()),
                                            new ShopifyConnection(shopify),
                                            new ConnectionStore(adminDb, config.connections().check().interval()));
        ConnectService connect = new ConnectService(connector, config.server().publicUrl(),
                                                    config.server().publicUrlRequired(), routes, tenantLookup);
        EventsService events = new EventsService(new EventStore(adminDb), new JobQueue(adminDb), routes, tenantLookup);
        DataRequestsService dataRequests = new DataRequestsService(new DataRequests(adminDb), routes, tenantLookup);
        PrivacyService privacy = new PrivacyService(new ErasureRecords(adminDb), routes, tenantLookup);
        TenantAdminService tenantAdmin = new TenantAdminService(
                adminTenants, resolver, new EventStore(adminDb), config.upstreams().allowOverride(),
                config.server().publicUrl(), routes, connector, connect, tenantLookup);
        OperatorAdminService operatorAdmin = new OperatorAdminService(tokens, audit, routes);
        // the operator console's read-only views of the fleet
        ConsoleService console = new ConsoleService(new FleetStore(adminDb, config.connections().silence()), routes,
                                                    tenantLookup);
        // which master keys the stored credentials use, and the re-encryption that retires old ones
        KeyAdminService keyAdmin = new KeyAdminService(new CredentialRekey(adminDb, cipher), cipher, routes);

        // Ingress: never a 2xx unless the event and its job are committed.
        RateLimiter rates = switch (config.ingress().rateMode()) {
            case LOCAL -> new RateLimiter.Local();
            case POSTGRES -> new RateLimiter.Postgres(db);
        };
        // bodies nobody has authenticated yet never hold more of the heap than this
        BufferBudget buffers = new BufferBudget(config.ingress().bufferBytes(), config.ingress().bodiesPerAddress());
        ingressMetrics.buffers(buffers::used, buffers.capacity(), buffers::reading);
        // ingress's statements besides the writers' (tenant look-ups, the shared rate bucket, rejected bodies), each
        // within its delivery's deadline
        ExecutorService statements = Executors.newVirtualThreadPerTaskExecutor();
        resources.add("ingress statements", statements::shutdown);
        EventWriter writer = resources.add(new EventWriter(db, ingressLoad, config.ingress().writers(),
                                                           config.ingress().batchMax()));
        IngestService ingest = new IngestService(
                resolver, ingressLoad, writer, statements, rates, new Bulkheads(),
                new FailureLimiter(config.ingress().forgedPerMinute()), ingressMetrics, routes, peers, buffers,
                new RecentDeliveries());
        return new Services(peers, adminFilter, tenantAdmin, connect, events, operatorAdmin, new OpenApiService(),
                            ingest, keyAdmin, dataRequests, privacy, console, new ConsoleUiService());
    }

    /**
     * Operators on a listener of their own connect to it directly (a port-forward, a pod of theirs): no proxy speaks
     * for them there, so nobody's {@code X-Forwarded-For} is read on it. On one shared port, the public rule.
     */
    private static Peers operatorPeers(AppConfig config, Peers peers) {
        return config.server().admin().isPresent() ? Peers.direct() : peers;
    }

    /**
     * Registers every HTTP service of the gateway (built by {@link #start}) on one listener; builds nothing. The
     * request id filter comes first, so every answer (the admin filter's refusals included) and every log line of a
     * request has its id.
     */
    static void routing(HttpRouting.Builder routing, Services services) {
        common(routing, services.peers());
        operators(routing, services);
        routing.register("/webhooks", services.ingest());
    }

    /**
     * The public listener when operators have their own ({@code TOLLGATE_ADMIN_PORT}): webhooks and a health answer
     * without details ({@code /observe/health/*}, for probes); anything else is a 404 problem.
     */
    static void publicRouting(HttpRouting.Builder routing, Services services, PublicHealth health) {
        common(routing, services.peers());
        routing.register("/webhooks", services.ingest());
        routing.register("/observe/health", health);
    }

    /**
     * The operators' listener: the admin API (with its CORS), the OpenAPI document and the console; the observe feature adds
     * {@code /observe/health} with details and {@code /observe/metrics}. Webhooks are a 404 problem here. Its
     * clients connect directly: their addresses are the TCP peers' ({@link #operatorPeers}). Without {@code api}
     * ({@code TOLLGATE_ADMIN_API=false}) only the observe feature's routes answer.
     */
    static void adminRouting(HttpRouting.Builder routing, Services services, boolean api) {
        common(routing, Peers.direct());
        if (api) {
            operators(routing, services);
        }
    }

    /** Error mapping and request ids, on every listener. */
    private static void common(HttpRouting.Builder routing, Peers peers) {
        ErrorHandling.register(routing, peers);
        routing.addFilter(new RequestIdFilter());
    }

    private static void operators(HttpRouting.Builder routing, Services services) {
        routing.addFilter(services.adminFilter());
        routing.register("/admin", services.tenantAdmin(), services.connect(), services.events(),
                         services.operatorAdmin());
        routing.register("/admin", services.keyAdmin());
        routing.register("/admin", services.dataRequests());
        routing.register("/admin", services.privacy());
        routing.register("/admin", services.console());
        routing.register("/openapi", services.openApi());
        // the browser console: static files only; it calls /admin with the operator's own token
        routing.register("/console", services.consoleUi());
    }

    /** Every route the HTTP services registered (for checking against the OpenAPI document). */
    public List<RouteTable.Route> routes() {
        return routes.routes();
    }

    /** The public port: webhooks (and, without an admin listener, everything else). */
    public int port() {
        return server.port();
    }

    /** The port of the admin API, the OpenAPI document, metrics and detailed health: the admin listener's, if any. */
    public int adminPort() {
        int admin = server.port(ADMIN_SOCKET);
        return admin > 0 ? admin : server.port();
    }

    public boolean running() {
        return server.isRunning();
    }

    /**
     * Stops accepting, lets in-flight requests finish (up to the grace period), stops the drift check and the worker,
     * then closes the pools: everything {@link #start} opened, in reverse order.
     */
    @Override
    public void close() {
        LOG.log(Level.INFO, "Tollgate stopping");
        try {
            resources.close();
        } catch (RuntimeException logged) {
            // each resource that could not close was logged; the others are closed
        }
        LOG.log(Level.INFO, "Tollgate stopped");
    }
}
