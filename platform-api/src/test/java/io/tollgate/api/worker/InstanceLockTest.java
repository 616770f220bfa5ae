package io.tollgate.api.worker;

import io.tollgate.tenant.db.Database;
import io.tollgate.tenant.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One instance id is one live process (issue 19, target 5): a second process started with an id a live one holds is
 * told so, runs under an id of its own and takes nothing back; once the holder's session ends, the id is free again.
 */
class InstanceLockTest {
    private static TestDatabase testDb;
    private static Database db;

    @BeforeAll
    static void database() {
        testDb = TestDatabase.migrated();
        db = testDb.open();
    }

    @AfterAll
    static void close() {
        db.close();
        testDb.close();
    }

    @Test
    void aSecondLiveProcessWithTheSameIdRunsUnderItsOwnAndTakesNothingBack() {
        InstanceLock first = InstanceLock.acquire(db, "host-a:8080", Duration.ofMillis(300));
        assertThat(first.id()).isEqualTo("host-a:8080");
        assertThat(first.resumes()).isTrue();

        InstanceLock second = InstanceLock.acquire(db, "host-a:8080", Duration.ofMillis(300));
        assertThat(second.resumes()).as("the id is held by a live process").isFalse();
        assertThat(second.id()).startsWith("host-a:8080~").isNotEqualTo(first.id());
        InstanceLock other = InstanceLock.acquire(db, "host-b:8080", Duration.ofMillis(300));
        assertThat(other.resumes()).as("another id is free").isTrue();

        first.close(); // the holder's session ends, as it does when its process dies
        InstanceLock restarted = InstanceLock.acquire(db, "host-a:8080", Duration.ofSeconds(5));
        assertThat(restarted.resumes()).isTrue();
        assertThat(restarted.id()).isEqualTo("host-a:8080");
        second.close();
        other.close();
        restarted.close();
    }
}
