package io.tollgate.tenant.store;

import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;
import io.tollgate.tenant.GorgiasCredentials;
import io.tollgate.tenant.Limits;
import io.tollgate.tenant.NewTenant;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.Secret;
import io.tollgate.tenant.ShopifyCredentials;
import io.tollgate.tenant.Tenant;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.TenantStatus;
import io.tollgate.tenant.WebhookSecret;
import io.tollgate.tenant.crypto.CredentialCipher;
import io.tollgate.tenant.db.Database;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

import static io.tollgate.tenant.db.Rows.bool;
import static io.tollgate.tenant.db.Rows.bytes;
import static io.tollgate.tenant.db.Rows.instant;
import static io.tollgate.tenant.db.Rows.integer;
import static io.tollgate.tenant.db.Rows.optInstant;
import static io.tollgate.tenant.db.Rows.optInteger;
import static io.tollgate.tenant.db.Rows.optString;
import static io.tollgate.tenant.db.Rows.string;
import static io.tollgate.tenant.db.Rows.uuid;

/**
 * Tenants, their credentials and webhook secrets. Credentials and secrets are encrypted before they are written and
 * decrypted when read. Every query takes the tenant id, except {@link #findBySlugUnscoped}, the one lookup ingress
 * makes from a URL. Failures surface as {@link io.tollgate.tenant.db.DataException}.
 */
public final class TenantStore {
    private static final String TENANT_COLUMNS = """
            t.id, t.slug, t.name, t.status, t.rate_per_minute, t.burst, t.max_payload_bytes, t.timeout_ms,
            t.max_concurrent, t.retry_attempts, t.llm_drafts_per_day, t.draft_only, t.created_at, t.updated_at""";

    private static final String SELECT_RESOLVED = "SELECT " + TENANT_COLUMNS + """
            ,
                   g.domain AS g_domain, g.username AS g_username, g.api_key_enc AS g_api_key, g.base_url AS g_base_url,
                   s.shop_domain AS s_shop_domain, s.access_token_enc AS s_access_token,
                   s.api_version AS s_api_version, s.base_url AS s_base_url, s.disabled_at AS s_disabled_at
            FROM tenants t
            JOIN gorgias_credentials g ON g.tenant_id = t.id
            JOIN shopify_credentials s ON s.tenant_id = t.id
            """;

    /**
     * A tenant, its credentials and its live webhook secrets in one query: one row per secret (the tenant's columns
     * repeated), or one row with NULL secret columns when it has none; newest secret first.
     */
    private static final String SELECT_ONE = SELECT_RESOLVED.replace("FROM tenants t", """
            , w.id AS w_id, w.provider AS w_provider, w.secret_enc AS w_secret, w.valid_from AS w_valid_from,
                   w.valid_until AS w_valid_until
            FROM tenants t""") + """
            LEFT JOIN webhook_secrets w ON w.tenant_id = t.id AND (w.valid_until IS NULL OR w.valid_until > now())
            """;

    private static final String SELECT_SECRETS = """
            SELECT id, provider, secret_enc, valid_from, valid_until FROM webhook_secrets
            WHERE tenant_id = ? AND (valid_until IS NULL OR valid_until > now())
            ORDER BY valid_from DESC""";

    private final Database db;
    private final CredentialCipher cipher;

    public TenantStore(Database db, CredentialCipher cipher) {
        this.db = db;
        this.cipher = cipher;
    }

    /**
     * Onboards a tenant in one transaction.
     *
     * @throws io.tollgate.tenant.db.DataException.Conflict when the slug is taken (constraint {@code tenants_slug_uq})
     */
    public ResolvedTenant create(NewTenant n) {
        TenantId id = TenantId.random();
        db.inTransaction(tx -> {
            Limits l = n.limits();
            tx.insert("""
                    INSERT INTO tenants (id, slug, name, status, rate_per_minute, burst, max_payload_bytes,
                                         timeout_ms, max_concurrent, retry_attempts, llm_drafts_per_day,
                                         draft_only)
                    VALUES (?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, ?)""",
                      id.value(), n.slug(), n.name(), l.ratePerMinute(), l.burst(), l.maxPayloadBytes(),
                      l.timeoutMs(), l.maxConcurrent(), l.retryAttempts(), l.llmDraftsPerDay().orElse(null),
                      n.draftOnly());
            writeGorgias(tx, id, n.gorgias(), true);
            writeShopify(tx, id, n.shopify(), true);
            insertSecret(tx, id, Provider.GORGIAS, n.gorgiasWebhookSecret());
            insertSecret(tx, id, Provider.SHOPIFY, n.shopifyWebhookSecret());
            return null;
        });
        return find(id).orElseThrow(() -> new IllegalStateException("tenant vanished after insert: " + id));
    }

    /** The one unscoped lookup: slug (from a webhook URL) to tenant, whatever its status. */
    public Optional<ResolvedTenant> findBySlugUnscoped(String slug) {
        return findOne("t.slug = ?", slug);
    }

    /** A tenant with its decrypted credentials and secrets, by id, in one query. */
    public Optional<ResolvedTenant> find(TenantId id) {
        return findOne("t.id = ?", id.value());
    }

    private Optional<ResolvedTenant> findOne(String where, Object key) {
        return db.call(() -> {
            try (Stream<DbRow> rows = db.client().execute().query(
                    SELECT_ONE + " WHERE " + where + " ORDER BY w.valid_from DESC", key)) {
                ResolvedTenant first = null;
                List<WebhookSecret> secrets = new java.util.ArrayList<>();
                for (DbRow row : (Iterable<DbRow>) rows::iterator) {
                    if (first == null) {
                        first = credentials(row, List.of());
                    }
                    if (optString(row, "w_id").isPresent()) {
                        secrets.add(secret(first.id(), row, "w_id", "w_provider", "w_secret", "w_valid_from",
                                           "w_valid_until"));
                    }
                }
                return first == null ? Optional.<ResolvedTenant>empty()
                        : Optional.of(new ResolvedTenant(first.tenant(), first.gorgias(), first.shopify(), secrets));
            }
        });
    }

    /** The slugs of the first {@code limit} tenants by creation (metrics label these before any traffic). */
    public List<String> slugsByCreation(int limit) {
        return db.call(() -> {
            try (Stream<DbRow> rows = db.client().execute().query(
                    "SELECT slug FROM tenants ORDER BY created_at, id LIMIT ?", limit)) {
                return rows.map(r -> string(r, "slug")).toList();
            }
        });
    }

    /** Tenants with credentials, ordered by slug, after {@code afterSlug} when given (keyset pagination). */
    public List<ResolvedTenant> listResolved(int limit, Optional<String> afterSlug) {
        return listResolved(limit, afterSlug, false);
    }

    /**
     * @param brokenOnly only tenants with a connection the drift check (or a connect) found broken (table
     *                   {@code connections}, through its partial index {@code connections_broken_ix})
     */
    public List<ResolvedTenant> listResolved(int limit, Optional<String> afterSlug, boolean brokenOnly) {
        String filter = brokenOnly ? " AND t.id IN (SELECT c.tenant_id FROM connections c"
                + " WHERE c.status = 'broken')" : "";
        return db.call(() -> {
            try (Stream<DbRow> rows = db.client().execute().query(
                    SELECT_RESOLVED + " WHERE t.slug > ?" + filter + " ORDER BY t.slug LIMIT ?", afterSlug.orElse(""),
                    limit)) {
                return rows.map(this::resolved).toList();
            }
        });
    }

    public boolean setStatus(TenantId id, TenantStatus status) {
        return db.call(() -> db.client().execute().update(
                "UPDATE tenants SET status = ?, updated_at = now() WHERE id = ?", status.wire(), id.value())) == 1;
    }

    /** Replaces a tenant's name, limits and credentials in one transaction, draft-only mode as it was. */
    public boolean update(TenantId id, String name, Limits l, GorgiasCredentials gorgias, ShopifyCredentials shopify) {
        return update(id, name, l, Optional.empty(), gorgias, shopify);
    }

    /**
     * Replaces a tenant's name, limits, draft-only mode (empty: kept) and credentials in one transaction; false when
     * there is no such tenant.
     */
    public boolean update(TenantId id, String name, Limits l, Optional<Boolean> draftOnly, GorgiasCredentials gorgias,
                          ShopifyCredentials shopify) {
        return db.inTransaction(tx -> {
            long n = tx.update("""
                    UPDATE tenants SET name = ?, rate_per_minute = ?, burst = ?, max_payload_bytes = ?, timeout_ms = ?,
                                       max_concurrent = ?, retry_attempts = ?, llm_drafts_per_day = ?,
                                       draft_only = coalesce(?::boolean, draft_only), updated_at = now()
                    WHERE id = ?""", name, l.ratePerMinute(), l.burst(), l.maxPayloadBytes(), l.timeoutMs(),
                               l.maxConcurrent(), l.retryAttempts(), l.llmDraftsPerDay().orElse(null),
                               draftOnly.orElse(null), id.value());
            if (n == 0) {
                return false;
            }
            writeGorgias(tx, id, gorgias, false);
            writeShopify(tx, id, shopify, false);
            return true;
        });
    }

    /**
     * Starts using {@code next} for {@code provider}; secrets valid now keep verifying for {@code grace}.
     *
     * @return false when the tenant does not exist
     */
    public boolean rotateSecret(TenantId id, Provider provider, Secret next, Duration grace) {
        return db.inTransaction(tx -> {
            Optional<DbRow> locked = tx.get("SELECT id FROM tenants WHERE id = ? FOR UPDATE", id.value());
            if (locked.isEmpty()) {
                return false;
            }
            tx.update("""
                    UPDATE webhook_secrets
                    SET valid_until = LEAST(COALESCE(valid_until, 'infinity'), now() + make_interval(secs => ?))
                    WHERE tenant_id = ? AND provider = ? AND (valid_until IS NULL OR valid_until > now())""",
                      (double) grace.toMillis() / 1000.0, id.value(), provider.wire());
            insertSecret(tx, id, provider, next);
            return true;
        });
    }

    /**
     * Marks the tenant's Shopify credentials disabled (the shop uninstalled the app): {@link ShopifyCredentials#enabled}
     * turns false and stays so until {@link #update} is given a different access token. Disabling again keeps the
     * first time. The change trigger on shopify_credentials makes every instance's tenant cache drop the entry.
     *
     * @return false when the tenant does not exist
     */
    public boolean disableShopify(TenantId id) {
        return db.call(() -> db.client().execute().update(
                "UPDATE shopify_credentials SET disabled_at = COALESCE(disabled_at, now()), updated_at = now()"
                        + " WHERE tenant_id = ?", id.value())) == 1;
    }

    /** Deletes the tenant; {@code ON DELETE CASCADE} removes every row it owns. */
    public boolean delete(TenantId id) {
        return db.call(() -> db.client().execute().delete("DELETE FROM tenants WHERE id = ?", id.value())) == 1;
    }

    private void writeGorgias(DbExecute tx, TenantId id, GorgiasCredentials g, boolean insert) {
        byte[] apiKey = cipher.encrypt(g.apiKey(), context(id, "gorgias.api_key"));
        String baseUrl = g.baseUrl().map(URI::toString).orElse(null);
        if (insert) {
            tx.insert("INSERT INTO gorgias_credentials (tenant_id, domain, username, api_key_enc, base_url)"
                              + " VALUES (?, ?, ?, ?, ?)", id.value(), g.domain(), g.username(), apiKey, baseUrl);
        } else {
            tx.update("UPDATE gorgias_credentials SET domain = ?, username = ?, api_key_enc = ?, base_url = ?,"
                              + " updated_at = now() WHERE tenant_id = ?",
                      g.domain(), g.username(), apiKey, baseUrl, id.value());
        }
    }

    private void writeShopify(DbExecute tx, TenantId id, ShopifyCredentials s, boolean insert) {
        byte[] token = cipher.encrypt(s.accessToken(), context(id, "shopify.access_token"));
        String baseUrl = s.baseUrl().map(URI::toString).orElse(null);
        if (insert) {
            tx.insert("INSERT INTO shopify_credentials (tenant_id, shop_domain, access_token_enc, api_version,"
                              + " base_url) VALUES (?, ?, ?, ?, ?)",
                      id.value(), s.shopDomain(), token, s.apiVersion(), baseUrl);
        } else {
            // A new access token (the shop installed the app again) ends a disable; the same token keeps it.
            boolean newToken = tx.get("SELECT access_token_enc FROM shopify_credentials WHERE tenant_id = ?"
                                              + " FOR UPDATE", id.value())
                    .map(r -> !cipher.decrypt(bytes(r, "access_token_enc"), context(id, "shopify.access_token"))
                            .equals(s.accessToken()))
                    .orElse(true);
            tx.update("UPDATE shopify_credentials SET shop_domain = ?, access_token_enc = ?, api_version = ?,"
                              + " base_url = ?, disabled_at = CASE WHEN ? THEN NULL ELSE disabled_at END,"
                              + " updated_at = now() WHERE tenant_id = ?",
                      s.shopDomain(), token, s.apiVersion(), baseUrl, newToken, id.value());
        }
    }

    private void insertSecret(DbExecute tx, TenantId id, Provider provider, Secret secret) {
        UUID secretId = UUID.randomUUID();
        byte[] sealed = cipher.encrypt(secret, secretContext(id, provider, secretId));
        tx.insert("INSERT INTO webhook_secrets (id, tenant_id, provider, secret_enc) VALUES (?, ?, ?, ?)",
                  secretId, id.value(), provider.wire(), sealed);
    }

    private ResolvedTenant resolved(DbRow row) {
        TenantId id = new TenantId(uuid(row, "id"));
        List<WebhookSecret> secrets;
        try (Stream<DbRow> rows = db.client().execute().query(SELECT_SECRETS, id.value())) {
            secrets = rows.map(r -> secret(id, r, "id", "provider", "secret_enc", "valid_from", "valid_until"))
                    .toList();
        }
        return credentials(row, secrets);
    }

    private WebhookSecret secret(TenantId id, DbRow r, String idColumn, String providerColumn, String secretColumn,
                                 String fromColumn, String untilColumn) {
        UUID secretId = uuid(r, idColumn);
        Provider provider = Provider.fromWire(string(r, providerColumn)).orElseThrow();
        return new WebhookSecret(secretId, provider,
                                 cipher.decrypt(bytes(r, secretColumn), secretContext(id, provider, secretId)),
                                 instant(r, fromColumn), optInstant(r, untilColumn));
    }

    /** The tenant and its decrypted credentials from a row of {@link #SELECT_RESOLVED}, with {@code secrets}. */
    private ResolvedTenant credentials(DbRow row, List<WebhookSecret> secrets) {
        Tenant tenant = tenant(row);
        TenantId id = tenant.id();
        GorgiasCredentials gorgias = new GorgiasCredentials(
                string(row, "g_domain"), string(row, "g_username"),
                cipher.decrypt(bytes(row, "g_api_key"), context(id, "gorgias.api_key")),
                optString(row, "g_base_url").map(URI::create));
        ShopifyCredentials shopify = new ShopifyCredentials(
                string(row, "s_shop_domain"),
                cipher.decrypt(bytes(row, "s_access_token"), context(id, "shopify.access_token")),
                string(row, "s_api_version"),
                optString(row, "s_base_url").map(URI::create),
                optInstant(row, "s_disabled_at"));
        return new ResolvedTenant(tenant, gorgias, shopify, secrets);
    }

    static Tenant tenant(DbRow row) {
        return new Tenant(new TenantId(uuid(row, "id")), string(row, "slug"), string(row, "name"),
                          TenantStatus.fromWire(string(row, "status")),
                          new Limits(integer(row, "rate_per_minute"), integer(row, "burst"),
                                     integer(row, "max_payload_bytes"), integer(row, "timeout_ms"),
                                     integer(row, "max_concurrent"), integer(row, "retry_attempts"),
                                     optInteger(row, "llm_drafts_per_day")),
                          instant(row, "created_at"), instant(row, "updated_at"),
                          bool(row, "draft_only"));
    }

    static String context(TenantId id, String field) {
        return id + "/" + field;
    }

    static String secretContext(TenantId id, Provider provider, UUID secretId) {
        return id + "/webhook_secret." + provider.wire() + "/" + secretId;
    }
}
