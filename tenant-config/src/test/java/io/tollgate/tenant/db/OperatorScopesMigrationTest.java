package io.tollgate.tenant.db;

import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.util.UUID;

import static io.tollgate.tenant.db.PartialMigration.changeSetsBefore;
import static io.tollgate.tenant.db.PartialMigration.exec;
import static io.tollgate.tenant.db.PartialMigration.migrateFirst;
import static io.tollgate.tenant.db.PartialMigration.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ChangeSet 012 (operator token scopes) applied to a database that already holds operator tokens. */
class OperatorScopesMigrationTest {

    @Test
    void existingTokensKeepEveryScopeAndNewOnesMustNameTheirs() throws Exception {
        int before012 = changeSetsBefore("012-operator-token-scopes");
        UUID live = UUID.randomUUID();
        UUID revoked = UUID.randomUUID();
        try (TestDatabase testDb = TestDatabase.empty()) {
            try (Database db = testDb.open()) {
                migrateFirst(db, before012);
            }
            try (Connection c = testDb.connect()) {
                exec(c, "INSERT INTO operator_tokens (id, name, token_hash)"
                        + " VALUES (?, 'old-robot', sha256('a'::bytea))", live);
                exec(c, "INSERT INTO operator_tokens (id, name, token_hash, revoked_at)"
                        + " VALUES (?, 'old-gone', sha256('b'::bytea), now())", revoked);
            }

            try (Database db = testDb.open()) {
                SchemaMigrator.migrate(db.dataSource());
            }

            try (Connection c = testDb.connect()) {
                assertThat(row(c, "SELECT array_to_string(scopes, ',') || '|' || coalesce(expires_at::text, 'never')"
                        + " FROM operator_tokens WHERE id = ?", live)).isEqualTo("read,operate,payloads,tokens|never");
                assertThat(row(c, "SELECT array_to_string(scopes, ',') FROM operator_tokens WHERE id = ?", revoked))
                        .isEqualTo("read,operate,payloads,tokens");
                // a new token names its scopes: there is no default, and only known scopes are stored
                assertThatThrownBy(() -> exec(c, "INSERT INTO operator_tokens (id, name, token_hash)"
                        + " VALUES (?, 'no-scopes', sha256('c'::bytea))", UUID.randomUUID()))
                        .hasMessageContaining("scopes");
                assertThatThrownBy(() -> exec(c, "INSERT INTO operator_tokens (id, name, token_hash, scopes)"
                        + " VALUES (?, 'odd', sha256('d'::bytea), '{read,root}')", UUID.randomUUID()))
                        .hasMessageContaining("operator_tokens_scopes_ck");
                assertThatThrownBy(() -> exec(c, "INSERT INTO operator_tokens (id, name, token_hash, scopes)"
                        + " VALUES (?, 'empty', sha256('e'::bytea), '{}')", UUID.randomUUID()))
                        .hasMessageContaining("operator_tokens_scopes_ck");
            }
        }
    }
}
