package io.tollgate.tenant.db;

import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbStatementDml;
import io.helidon.dbclient.DbStatementGet;
import io.helidon.dbclient.DbStatementQuery;
import io.helidon.dbclient.DbStatementType;
import io.helidon.dbclient.DbTransaction;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Helidon DbClient with the names of unnamed statements remembered. DbClient names every statement it is given as
 * text ({@code query(sql, ...)}, {@code get}, {@code dml}, ...) by the SHA-256 of that text, computed again on every
 * call: a {@code MessageDigest.getInstance}, the text's UTF-8 bytes, the digest and its Base64, for each statement the
 * worker runs (about 5 % of the worker's Java samples, the largest part of DbClient's own cost). The statements are
 * the same few texts over and over, so their names are computed once here, the same names DbClient gives them
 * ({@link #name}: its type's prefix, "_" and the Base64 of the SHA-256 of the text), and handed to DbClient as named
 * statements with their text. Nothing else changes: the statement, its parameters and its execution are DbClient's.
 */
final class StatementNames implements DbClient {
    /** Texts remembered at most; statement texts built at run time beyond this are named as DbClient names them. */
    static final int MAX_TEXTS = 4_096;

    private final DbClient client;
    private final Map<Key, String> names = new ConcurrentHashMap<>();

    StatementNames(DbClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    private record Key(DbStatementType type, String text) {
    }

    /** The name DbClient gives a statement of this type and text (DbExecuteBase.generateName), remembered. */
    String name(DbStatementType type, String text) {
        Key key = new Key(type, text);
        String name = names.get(key);
        if (name == null) {
            name = generate(type, text);
            if (names.size() < MAX_TEXTS) {
                names.putIfAbsent(key, name);
            }
        }
        return name;
    }

    static String generate(DbStatementType type, String text) {
        String hash;
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(text.getBytes(StandardCharsets.UTF_8));
            hash = Base64.getEncoder().encodeToString(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            return "sha256failed";
        }
        return type.prefix() + "_" + hash;
    }

    @Override
    public String dbType() {
        return client.dbType();
    }

    @Override
    public DbExecute execute() {
        return new Execute(client.execute());
    }

    @Override
    public DbTransaction transaction() {
        return new Transaction(client.transaction());
    }

    @Override
    public <C> C unwrap(Class<C> cls) {
        return client.unwrap(cls);
    }

    @Override
    public void close() {
        client.close();
    }

    /** A DbExecute whose unnamed statements get their remembered names. */
    private class Execute implements DbExecute {
        private final DbExecute execute;

        Execute(DbExecute execute) {
            this.execute = execute;
        }

        @Override
        public DbStatementQuery createNamedQuery(String name, String text) {
            return execute.createNamedQuery(name, text);
        }

        @Override
        public DbStatementQuery createNamedQuery(String name) {
            return execute.createNamedQuery(name);
        }

        @Override
        public DbStatementQuery createQuery(String text) {
            return execute.createNamedQuery(name(DbStatementType.QUERY, text), text);
        }

        @Override
        public DbStatementGet createNamedGet(String name, String text) {
            return execute.createNamedGet(name, text);
        }

        @Override
        public DbStatementGet createNamedGet(String name) {
            return execute.createNamedGet(name);
        }

        @Override
        public DbStatementGet createGet(String text) {
            return execute.createNamedGet(name(DbStatementType.GET, text), text);
        }

        @Override
        public DbStatementDml createNamedInsert(String name, String text) {
            return execute.createNamedInsert(name, text);
        }

        @Override
        public DbStatementDml createNamedInsert(String name) {
            return execute.createNamedInsert(name);
        }

        @Override
        public DbStatementDml createInsert(String text) {
            return execute.createNamedInsert(name(DbStatementType.INSERT, text), text);
        }

        @Override
        public DbStatementDml createNamedUpdate(String name, String text) {
            return execute.createNamedUpdate(name, text);
        }

        @Override
        public DbStatementDml createNamedUpdate(String name) {
            return execute.createNamedUpdate(name);
        }

        @Override
        public DbStatementDml createUpdate(String text) {
            return execute.createNamedUpdate(name(DbStatementType.UPDATE, text), text);
        }

        @Override
        public DbStatementDml createNamedDelete(String name, String text) {
            return execute.createNamedDelete(name, text);
        }

        @Override
        public DbStatementDml createNamedDelete(String name) {
            return execute.createNamedDelete(name);
        }

        @Override
        public DbStatementDml createDelete(String text) {
            return execute.createNamedDelete(name(DbStatementType.DELETE, text), text);
        }

        @Override
        public DbStatementDml createNamedDmlStatement(String name, String text) {
            return execute.createNamedDmlStatement(name, text);
        }

        @Override
        public DbStatementDml createNamedDmlStatement(String name) {
            return execute.createNamedDmlStatement(name);
        }

        @Override
        public DbStatementDml createDmlStatement(String text) {
            return execute.createNamedDmlStatement(name(DbStatementType.DML, text), text);
        }

        @Override
        public <C> C unwrap(Class<C> cls) {
            return execute.unwrap(cls);
        }
    }

    /** A transaction whose unnamed statements get their remembered names. */
    private final class Transaction extends Execute implements DbTransaction {
        private final DbTransaction tx;

        Transaction(DbTransaction tx) {
            super(tx);
            this.tx = tx;
        }

        @Override
        public void commit() {
            tx.commit();
        }

        @Override
        public void rollback() {
            tx.rollback();
        }
    }
}
