package io.tollgate.tenant.testing;

import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.crypto.CredentialCipher;
import io.tollgate.tenant.crypto.MasterKey;
import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.store.TenantStore;

/**
 * A fresh migrated database with two tenants, {@code <prefix>-a} and {@code <prefix>-b}: the set-up of every store
 * test that proves its queries are tenant-scoped. Closing it closes the pool and drops the database.
 */
public record TwoTenants(TestDatabase testDb, Database db, TenantStore store, TenantId a, TenantId b)
        implements AutoCloseable {

    public static TwoTenants create(String prefix) {
        TestDatabase testDb = TestDatabase.migrated();
        Database db = testDb.open();
        TenantStore store = new TenantStore(db, new CredentialCipher(MasterKey.fromBase64(MasterKey.generateBase64())));
        TenantId a = store.create(TestTenants.newTenant(prefix + "-a")).id();
        TenantId b = store.create(TestTenants.newTenant(prefix + "-b")).id();
        return new TwoTenants(testDb, db, store, a, b);
    }

    @Override
    public void close() {
        db.close();
        testDb.close();
    }
}
