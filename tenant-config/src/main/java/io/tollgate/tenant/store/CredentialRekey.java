package io.tollgate.tenant.store;

import io.helidon.dbclient.DbRow;
import io.tollgate.tenant.Provider;
import io.tollgate.tenant.Secret;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.crypto.CredentialCipher;
import io.tollgate.tenant.crypto.CredentialCryptoException;
import io.tollgate.tenant.db.Database;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static io.tollgate.tenant.db.Rows.bigint;
import static io.tollgate.tenant.db.Rows.bytes;
import static io.tollgate.tenant.db.Rows.string;
import static io.tollgate.tenant.db.Rows.uuid;

/**
 * Re-encrypts stored credentials and webhook secrets sealed under an older master key with the current one, so the
 * older key can be retired, and tells which key ids the stored values use.
 *
 * <p>Each batch is one short transaction that locks its rows with {@code FOR UPDATE SKIP LOCKED}: any number of
 * instances may run it at once, and a row an operator is changing right now is left for a later run. The work is
 * "every value not on the current key", so running again after an interruption continues where it stopped, and a
 * run over data that is all current does nothing. A value that cannot be opened (sealed with a key this instance
 * does not have, or tampered with) is counted as failed, logged with its place (never its value) and left as it is.
 */
public final class CredentialRekey {
    private static final System.Logger LOG = System.getLogger(CredentialRekey.class.getName());
    /** Below every uuid as PostgreSQL orders them (bytewise, unsigned). */
    private static final UUID FIRST = new UUID(0L, 0L);
    /** Rows per transaction: each holds its locks for the time it takes to re-seal this many values. */
    static final int BATCH = 100;

    /** One encrypted column: its table, key column, and the associated data each value is bound to. */
    private enum Column {
        GORGIAS_API_KEY("gorgias_credentials", "tenant_id", "api_key_enc", "tenant_id, NULL AS provider"),
        SHOPIFY_ACCESS_TOKEN("shopify_credentials", "tenant_id", "access_token_enc", "tenant_id, NULL AS provider"),
        WEBHOOK_SECRET("webhook_secrets", "id", "secret_enc", "tenant_id, provider");

        final String table;
        final String key;
        final String value;
        final String extra;

        Column(String table, String key, String value, String extra) {
            this.table = table;
            this.key = key;
            this.value = value;
            this.extra = extra;
        }

        String context(DbRow r) {
            TenantId tenant = new TenantId(uuid(r, "tenant_id"));
            return switch (this) {
                case GORGIAS_API_KEY -> TenantStore.context(tenant, "gorgias.api_key");
                case SHOPIFY_ACCESS_TOKEN -> TenantStore.context(tenant, "shopify.access_token");
                case WEBHOOK_SECRET -> TenantStore.secretContext(
                        tenant, Provider.fromWire(string(r, "provider")).orElseThrow(), uuid(r, "k"));
            };
        }

        String keyIdSql() {
            return "encode(substring(" + value + " from 2 for 8), 'hex')";
        }
    }

    /** How many stored values one key id seals. */
    public record KeyUsage(String keyId, long values) {
    }

    /**
     * What one run did.
     *
     * @param rewritten values re-sealed with the current key
     * @param failed    values that could not be opened (see the log), left as they are
     * @param remaining values still not on the current key after the run (failed ones included, and rows that were
     *                  locked by someone else)
     */
    public record Result(int rewritten, int failed, long remaining) {
    }

    private final Database db;
    private final CredentialCipher cipher;

    public CredentialRekey(Database db, CredentialCipher cipher) {
        this.db = db;
        this.cipher = cipher;
    }

    /** Stored values by the key id that sealed them, most used first. */
    public List<KeyUsage> usage() {
        StringBuilder union = new StringBuilder();
        for (Column c : Column.values()) {
            union.append(union.isEmpty() ? "" : " UNION ALL ").append("SELECT ").append(c.keyIdSql())
                    .append(" AS key_id FROM ").append(c.table);
        }
        return db.call(() -> {
            try (Stream<DbRow> rows = db.client().execute().query(
                    "SELECT key_id, count(*) AS n FROM (" + union + ") v GROUP BY key_id ORDER BY n DESC, key_id")) {
                return rows.map(r -> new KeyUsage(string(r, "key_id"), bigint(r, "n"))).toList();
            }
        });
    }

    /** Re-seals up to {@code maxValues} values not on the current key, in batches of {@link #BATCH}. */
    public Result run(int maxValues) {
        String current = cipher.currentKeyId();
        int rewritten = 0;
        int failed = 0;
        for (Column c : Column.values()) {
            UUID after = FIRST;
            while (rewritten + failed < maxValues) {
                Batch b = batch(c, current, after, Math.min(BATCH, maxValues - rewritten - failed));
                rewritten += b.rewritten;
                failed += b.failed;
                if (b.last == null) {
                    break;
                }
                after = b.last;
            }
        }
        long remaining = usage().stream().filter(u -> !u.keyId().equals(current)).mapToLong(KeyUsage::values).sum();
        LOG.log(Level.INFO, "credential re-encryption to key " + current + ": " + rewritten + " re-sealed, " + failed
                + " could not be opened, " + remaining + " not yet on the current key");
        return new Result(rewritten, failed, remaining);
    }

    private record Batch(int rewritten, int failed, UUID last) {
    }

    /** One transaction: the next rows after {@code after} not on {@code current}, skipping rows others hold. */
    private Batch batch(Column c, String current, UUID after, int limit) {
        return db.inTransaction(tx -> {
            List<DbRow> rows;
            try (Stream<DbRow> s = tx.query("SELECT " + c.key + " AS k, " + c.extra + ", " + c.value + " AS v FROM "
                                                    + c.table + " WHERE " + c.key + " > ? AND " + c.keyIdSql()
                                                    + " <> ? ORDER BY " + c.key + " LIMIT ? FOR UPDATE SKIP LOCKED",
                                            after, current, limit)) {
                rows = new ArrayList<>(s.toList());
            }
            int done = 0;
            int failed = 0;
            UUID last = null;
            for (DbRow r : rows) {
                last = uuid(r, "k");
                String context = c.context(r);
                Secret plain;
                try {
                    plain = cipher.decrypt(bytes(r, "v"), context);
                } catch (CredentialCryptoException e) {
                    failed++;
                    LOG.log(Level.WARNING, "cannot re-encrypt " + c.table + "." + c.value + " of " + context + " (key "
                            + CredentialCipher.keyIdOf(bytes(r, "v")).orElse("unknown") + "): " + e.getMessage());
                    continue;
                }
                tx.update("UPDATE " + c.table + " SET " + c.value + " = ? WHERE " + c.key + " = ?",
                          cipher.encrypt(plain, context), last);
                done++;
            }
            return new Batch(done, failed, last);
        });
    }

    /** Stored values per key id, with every key this instance holds (at 0 when it seals nothing). */
    public Map<String, Long> usageWithConfiguredKeys() {
        Map<String, Long> out = new LinkedHashMap<>();
        cipher.keyIds().forEach(k -> out.put(k, 0L));
        usage().forEach(u -> out.put(u.keyId(), u.values()));
        return out;
    }
}
