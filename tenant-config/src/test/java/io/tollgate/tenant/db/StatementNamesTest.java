package io.tollgate.tenant.db;

import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbClientServiceContext;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;
import io.helidon.dbclient.DbStatementType;
import io.helidon.dbclient.DbTransaction;
import io.helidon.dbclient.jdbc.JdbcClientBuilder;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link StatementNames}: every kind of statement, run through DbClient as it is and through the wrapper, gets the
 * same name (as DbClient's services see it), the same result, and the same transaction behaviour.
 */
class StatementNamesTest {

    /** The statements each client runs, with what they answered; the names the clients' services saw. */
    private record Seen(List<String> names, List<String> types, List<Object> answers) {
    }

    @Test
    void namesEveryKindOfStatementAsDbClientDoesAndRunsItTheSame() {
        try (TestDatabase testDb = TestDatabase.empty(); Database db = testDb.open()) {
            db.call(() -> db.client().execute().dml("CREATE TABLE names_test (id int PRIMARY KEY, v text)"));
            db.call(() -> db.client().execute().dml("CREATE TABLE names_test2 (id int)"));
            Seen plain = run(db, false);
            Seen named = run(db, true);
            assertThat(named.types()).isEqualTo(plain.types()).hasSize(14);
            assertThat(named.names()).isEqualTo(plain.names());
            assertThat(named.answers()).isEqualTo(plain.answers());
            // the names are DbClient's own: the type's prefix and the SHA-256 of the text
            assertThat(plain.names().getFirst()).isEqualTo(StatementNames.generate(
                    DbStatementType.valueOf(plain.types().getFirst()),
                    "SELECT count(*) AS n FROM names_test WHERE id >= ?"));
        }
    }

    @Test
    void remembersEachTextOnceAndNamesBeyondItsBoundTheSame() {
        try (TestDatabase testDb = TestDatabase.empty(); Database db = testDb.open()) {
            StatementNames names = new StatementNames(db.client());
            String first = names.name(DbStatementType.QUERY, "SELECT 1");
            assertThat(names.name(DbStatementType.QUERY, "SELECT 1")).isSameAs(first);
            assertThat(names.name(DbStatementType.GET, "SELECT 1")).isNotEqualTo(first)
                    .isEqualTo(StatementNames.generate(DbStatementType.GET, "SELECT 1"));
            for (int i = 0; i < StatementNames.MAX_TEXTS + 10; i++) {
                String text = "SELECT " + i;
                assertThat(names.name(DbStatementType.QUERY, text))
                        .isEqualTo(StatementNames.generate(DbStatementType.QUERY, text));
            }
        }
    }

    /** Runs the same statements (each kind, outside and inside transactions) and records what was seen. */
    private static Seen run(Database db, boolean wrapped) {
        List<String> names = new ArrayList<>();
        List<String> types = new ArrayList<>();
        DbClient raw = JdbcClientBuilder.create()
                .connectionPool(new HikariConnectionPool((com.zaxxer.hikari.HikariDataSource) db.dataSource()))
                .addService((DbClientServiceContext c) -> {
                    names.add(c.statementName());
                    types.add(c.statementType().name());
                    return c;
                })
                .build();
        DbClient client = wrapped ? new StatementNames(raw) : raw;
        List<Object> answers = new ArrayList<>();
        int base = wrapped ? 100 : 0;
        DbExecute ex = client.execute();
        answers.add(count(ex.get("SELECT count(*) AS n FROM names_test WHERE id >= ?", base)));
        answers.add(ex.insert("INSERT INTO names_test (id, v) VALUES (?, ?)", base + 1, "a"));
        answers.add(ex.update("UPDATE names_test SET v = ? WHERE id = ?", "b", base + 1));
        answers.add(ex.dml("INSERT INTO names_test2 (id) VALUES (?)", base + 1));
        answers.add(ex.delete("DELETE FROM names_test2 WHERE id = ?", base + 1));
        try (Stream<DbRow> rows = ex.query("SELECT v FROM names_test WHERE id >= ? AND id < ? ORDER BY id", base,
                                           base + 100)) {
            answers.add(rows.map(r -> r.column("v").getString()).toList());
        }
        DbTransaction tx = client.transaction();
        answers.add(tx.insert("INSERT INTO names_test (id, v) VALUES (?, ?)", base + 2, "c"));
        answers.add(count(tx.get("SELECT count(*) AS n FROM names_test WHERE id >= ? AND id < ?", base, base + 100)));
        tx.commit();
        DbTransaction rolledBack = client.transaction();
        answers.add(rolledBack.update("UPDATE names_test SET v = 'x' WHERE id >= ? AND id < ?", base, base + 100));
        answers.add(rolledBack.delete("DELETE FROM names_test WHERE id = ?", base + 2));
        answers.add(rolledBack.dml("INSERT INTO names_test2 (id) VALUES (?)", base + 2));
        try (Stream<DbRow> rows = rolledBack.query("SELECT id FROM names_test2 WHERE id = ?", base + 2)) {
            answers.add(rows.count());
        }
        rolledBack.rollback();
        Function<String, Object> after = sql -> {
            try (Stream<DbRow> rows = client.execute().query(sql, base, base + 100)) {
                return rows.map(r -> r.column("v").getString()).toList();
            }
        };
        answers.add(after.apply("SELECT v FROM names_test WHERE id >= ? AND id < ? ORDER BY id"));
        answers.add(count(client.execute().get("SELECT count(*) AS n FROM names_test2 WHERE id >= ? AND id < ?",
                                                base, base + 100)));
        return new Seen(names, types, answers);
    }

    private static long count(java.util.Optional<DbRow> row) {
        return row.orElseThrow().column("n").getLong();
    }
}
