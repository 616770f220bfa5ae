package io.tollgate.api.admin;

import io.helidon.dbclient.DbRow;
import io.tollgate.tenant.Secret;
import io.tollgate.tenant.db.Database;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

import static io.tollgate.tenant.db.Rows.instant;
import static io.tollgate.tenant.db.Rows.optInstant;
import static io.tollgate.tenant.db.Rows.string;
import static io.tollgate.tenant.db.Rows.uuid;

/**
 * Operator bearer tokens. Only a SHA-256 of each token is stored; the token itself is shown once, at creation.
 * Every check reads the database, so a revoked token fails at once on every instance.
 */
public final class OperatorTokens {
    private static final String PREFIX = "tgo_";
    private final Database db;
    private final Secret bootstrap;
    private final SecureRandom random = new SecureRandom();

    public OperatorTokens(Database db, Secret bootstrap) {
        this.db = db;
        this.bootstrap = bootstrap;
    }

    public record TokenRow(UUID id, String name, Instant createdAt, Optional<Instant> lastUsedAt,
                           Optional<Instant> revokedAt) {
    }

    public record Created(TokenRow row, Secret token) {
    }

    /** The operator a presented token belongs to; empty when it is unknown or revoked. */
    public Optional<Operator> authenticate(String presented) {
        if (presented == null || presented.isEmpty()) {
            return Optional.empty();
        }
        // Always hash and always compare with the bootstrap token, so timing does not tell which check ran.
        byte[] hash = sha256(presented);
        boolean isBootstrap = bootstrap.matches(presented);
        Optional<Operator> stored = db.call(() -> db.client().execute()
                .get("UPDATE operator_tokens SET last_used_at = now() WHERE token_hash = ? AND revoked_at IS NULL"
                             + " RETURNING id, name", hash)
                .map(r -> new Operator(Optional.of(uuid(r, "id")), string(r, "name"))));
        if (isBootstrap) {
            return Optional.of(Operator.BOOTSTRAP);
        }
        return stored;
    }

    public Created create(String name, Operator by) {
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        UUID id = UUID.randomUUID();
        TokenRow row = db.call(() -> db.client().execute()
                .get("INSERT INTO operator_tokens (id, name, token_hash, created_by) VALUES (?, ?, ?, ?)"
                             + " RETURNING id, name, created_at, last_used_at, revoked_at",
                     id, name, sha256(token), by.tokenId().orElse(null))
                .map(OperatorTokens::row).orElseThrow());
        return new Created(row, Secret.of(token));
    }

    public List<TokenRow> list() {
        return db.call(() -> {
            try (Stream<DbRow> rows = db.client().execute().query(
                    "SELECT id, name, created_at, last_used_at, revoked_at FROM operator_tokens ORDER BY created_at")) {
                return rows.map(OperatorTokens::row).toList();
            }
        });
    }

    /** Revokes a token; false when there is no such live token. */
    public boolean revoke(UUID id) {
        return db.call(() -> db.client().execute().update(
                "UPDATE operator_tokens SET revoked_at = now() WHERE id = ? AND revoked_at IS NULL", id)) == 1;
    }

    private static TokenRow row(DbRow r) {
        return new TokenRow(uuid(r, "id"), string(r, "name"), instant(r, "created_at"), optInstant(r, "last_used_at"),
                            optInstant(r, "revoked_at"));
    }

    static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
