package io.tollgate.api.admin;

import io.helidon.dbclient.DbRow;
import io.tollgate.api.access.Operator;
import io.tollgate.api.access.Scope;
import io.tollgate.tenant.Secret;
import io.tollgate.tenant.db.Database;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.tollgate.tenant.db.Rows.bigint;
import static io.tollgate.tenant.db.Rows.instant;
import static io.tollgate.tenant.db.Rows.optInstant;
import static io.tollgate.tenant.db.Rows.param;
import static io.tollgate.tenant.db.Rows.string;
import static io.tollgate.tenant.db.Rows.uuid;

/**
 * Operator bearer tokens. Only a SHA-256 of each token is stored; the token itself is shown once, at creation.
 * Every check reads the database, so a revoked or expired token, or a disabled bootstrap token, fails at once on
 * every instance.
 *
 * <p>The bootstrap token ({@code TOLLGATE_ADMIN_TOKEN}) can be disabled for the whole fleet once a token that can do
 * everything it could (every scope, no expiry) exists, and such a token cannot then be revoked if it is the last
 * one: operators are never locked out, nor left unable to mint a token of some scope (a token only grants scopes it
 * holds). Only the disabled value is refused; deploying a new
 * {@code TOLLGATE_ADMIN_TOKEN} is the break-glass way back in.
 */
public final class OperatorTokens {
    private static final String PREFIX = "tgo_";
    /** What {@link #create} hands out: the prefix and 32 random bytes in unpadded base64url. */
    private static final java.util.regex.Pattern CREATED_SHAPE = java.util.regex.Pattern.compile(
            "tgo_[A-Za-z0-9_-]{43}");
    /** Serialises the changes that decide whether someone can still manage tokens (revoke, disabling bootstrap). */
    private static final long MANAGERS_LOCK = 0x746f6b656e73L; // "tokens"
    private static final String COLUMNS = "id, name, array_to_string(scopes, ',') AS scopes, created_at,"
            + " last_used_at, revoked_at, expires_at";
    /**
     * A live token with every scope ({@code read} is implied) that never expires: what keeps operators in, able to
     * mint a token of any scope, once bootstrap is off.
     */
    private static final String LASTING_MANAGER = "revoked_at IS NULL AND expires_at IS NULL"
            + " AND scopes @> ARRAY['operate', 'payloads', 'tokens']::text[]";

    private final Database db;
    private final Secret bootstrap;
    private final byte[] bootstrapHash;
    private final SecureRandom random = new SecureRandom();

    public OperatorTokens(Database db, Secret bootstrap) {
        this.db = db;
        this.bootstrap = bootstrap;
        this.bootstrapHash = sha256(bootstrap.reveal());
    }

    public record TokenRow(UUID id, String name, Set<Scope> scopes, Instant createdAt, Optional<Instant> lastUsedAt,
                           Optional<Instant> revokedAt, Optional<Instant> expiresAt) {
    }

    public record Created(TokenRow row, Secret token) {
    }

    /** Whether the configured bootstrap token is disabled, and since when. */
    public record BootstrapState(boolean disabled, Optional<Instant> disabledAt) {
    }

    /** Why the bootstrap token cannot be disabled, or a token cannot be revoked. */
    public static final class WouldLockOut extends RuntimeException {
        WouldLockOut(String message) {
            super(message, null, false, false);
        }
    }

    /** The operator a presented token belongs to; empty when it is unknown, revoked, expired or disabled. */
    public Optional<Operator> authenticate(String presented) {
        if (presented == null || presented.isEmpty()) {
            return Optional.empty();
        }
        // Always hash and always compare with the bootstrap token, so timing does not tell which check ran. A value
        // that cannot be a created token is not looked up: failures past an address's allowance are still checked
        // (a valid token is never refused), and junk must not cost a database round trip each.
        byte[] hash = sha256(presented);
        boolean isBootstrap = bootstrap.matches(presented);
        Optional<Operator> stored = CREATED_SHAPE.matcher(presented).matches() ? stored(hash) : Optional.empty();
        if (isBootstrap) {
            return bootstrapState().disabled() ? Optional.empty() : Optional.of(Operator.BOOTSTRAP);
        }
        return stored;
    }

    /** The live, unexpired created token with this hash, marked as used now. */
    private Optional<Operator> stored(byte[] hash) {
        return db.call(() -> db.client().execute()
                .get("UPDATE operator_tokens SET last_used_at = now() WHERE token_hash = ? AND revoked_at IS NULL"
                             + " AND (expires_at IS NULL OR expires_at > now())"
                             + " RETURNING id, name, array_to_string(scopes, ',') AS scopes, expires_at", hash)
                .map(r -> new Operator(Optional.of(uuid(r, "id")), string(r, "name"), scopes(string(r, "scopes")),
                                       optInstant(r, "expires_at"))));
    }

    /** @param expiresAt when the token stops working; empty: never */
    public Created create(String name, Set<Scope> scopes, Optional<Instant> expiresAt, Operator by) {
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        UUID id = UUID.randomUUID();
        TokenRow row = db.call(() -> db.client().execute()
                .get("INSERT INTO operator_tokens (id, name, token_hash, created_by, scopes, expires_at)"
                             + " VALUES (?, ?, ?, ?, ?::text[], ?) RETURNING " + COLUMNS,
                     id, name, sha256(token), by.tokenId().orElse(null), array(scopes),
                     param(expiresAt.orElse(null)))
                .map(OperatorTokens::row).orElseThrow());
        return new Created(row, Secret.of(token));
    }

    public List<TokenRow> list() {
        return db.call(() -> {
            try (Stream<DbRow> rows = db.client().execute().query(
                    "SELECT " + COLUMNS + " FROM operator_tokens ORDER BY created_at")) {
                return rows.map(OperatorTokens::row).toList();
            }
        });
    }

    /**
     * Revokes a token; false when there is no such live token.
     *
     * @throws WouldLockOut when the bootstrap token is disabled and this is the last token that could manage tokens
     */
    public boolean revoke(UUID id) {
        return db.inTransaction(tx -> {
            tx.get("SELECT pg_advisory_xact_lock(?)", MANAGERS_LOCK);
            boolean disabled = tx.get("SELECT 1 FROM disabled_bootstrap_tokens WHERE token_hash = ?", bootstrapHash)
                    .isPresent();
            if (disabled) {
                long othersLeft = tx.get("SELECT count(*) AS n FROM operator_tokens WHERE " + LASTING_MANAGER
                                                 + " AND id <> ?", id)
                        .map(r -> bigint(r, "n")).orElse(0L);
                boolean targetIsManager = tx.get("SELECT 1 FROM operator_tokens WHERE id = ? AND " + LASTING_MANAGER,
                                                 id).isPresent();
                if (targetIsManager && othersLeft == 0) {
                    throw new WouldLockOut("This is the last token with every scope and no expiry, and the bootstrap"
                                                   + " token is disabled; create another such token first.");
                }
            }
            return tx.update("UPDATE operator_tokens SET revoked_at = now() WHERE id = ? AND revoked_at IS NULL",
                             id) == 1;
        });
    }

    public BootstrapState bootstrapState() {
        return db.call(() -> db.client().execute()
                .get("SELECT disabled_at FROM disabled_bootstrap_tokens WHERE token_hash = ?", bootstrapHash)
                .map(r -> new BootstrapState(true, Optional.of(instant(r, "disabled_at"))))
                .orElse(new BootstrapState(false, Optional.empty())));
    }

    /**
     * Disables the configured bootstrap token for every instance. Idempotent.
     *
     * @throws WouldLockOut unless a live token with every scope and no expiry exists
     */
    public BootstrapState disableBootstrap(Operator by) {
        return db.inTransaction(tx -> {
            tx.get("SELECT pg_advisory_xact_lock(?)", MANAGERS_LOCK);
            if (tx.get("SELECT 1 FROM operator_tokens WHERE " + LASTING_MANAGER + " LIMIT 1").isEmpty()) {
                throw new WouldLockOut("Nothing could then mint tokens of every scope: first create a token with"
                                               + " the scopes operate, payloads and tokens and no expiry.");
            }
            tx.insert("INSERT INTO disabled_bootstrap_tokens (token_hash, disabled_by) VALUES (?, ?)"
                              + " ON CONFLICT (token_hash) DO NOTHING", bootstrapHash, by.tokenId().orElse(null));
            return tx.get("SELECT disabled_at FROM disabled_bootstrap_tokens WHERE token_hash = ?", bootstrapHash)
                    .map(r -> new BootstrapState(true, Optional.of(instant(r, "disabled_at")))).orElseThrow();
        });
    }

    private static TokenRow row(DbRow r) {
        return new TokenRow(uuid(r, "id"), string(r, "name"), scopes(string(r, "scopes")), instant(r, "created_at"),
                            optInstant(r, "last_used_at"), optInstant(r, "revoked_at"), optInstant(r, "expires_at"));
    }

    private static Set<Scope> scopes(String stored) {
        Set<Scope> s = EnumSet.noneOf(Scope.class);
        // a value this version does not know grants nothing (the table's check constraint allows none anyway)
        Arrays.stream(stored.split(",")).map(Scope::fromWire).flatMap(Optional::stream).forEach(s::add);
        return s;
    }

    private static String array(Set<Scope> scopes) {
        return scopes.stream().sorted().map(Scope::wire).collect(Collectors.joining(",", "{", "}"));
    }

    static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
