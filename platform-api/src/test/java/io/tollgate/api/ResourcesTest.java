package io.tollgate.api;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one ordered closer behind a failed start and a normal stop. */
class ResourcesTest {
    private final List<String> closed = new ArrayList<>();

    private AutoCloseable named(String name) {
        return () -> closed.add(name);
    }

    private AutoCloseable failing(String name, Exception failure) {
        return () -> {
            closed.add(name);
            throw failure;
        };
    }

    @Test
    void closesInTheReverseOfTheOrderOpened() {
        Resources resources = new Resources();
        resources.add("pool", named("pool"));
        resources.add("worker", named("worker"));
        resources.add("server", named("server"));

        resources.close();

        assertThat(closed).containsExactly("server", "worker", "pool");
    }

    @Test
    void addReturnsTheResourceItRegistered() {
        Resources resources = new Resources();
        AutoCloseable pool = named("pool");

        assertThat(resources.add(pool)).isSameAs(pool);
        resources.close();

        assertThat(closed).containsExactly("pool");
    }

    @Test
    void aFailingCloseDoesNotStopTheRestAndTheFailuresSurface() {
        Resources resources = new Resources();
        IllegalStateException second = new IllegalStateException("pool would not close");
        IOException first = new IOException("worker would not stop");
        resources.add("pool", failing("pool", second));
        resources.add("executor", named("executor"));
        resources.add("worker", failing("worker", first));
        resources.add("server", named("server"));

        assertThatThrownBy(resources::close)
                .isInstanceOf(IllegalStateException.class)
                .hasCause(first)
                .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(second));
        assertThat(closed).containsExactly("server", "worker", "executor", "pool");
    }

    @Test
    void aRuntimeFailureSurfacesAsItself() {
        Resources resources = new Resources();
        IllegalStateException failure = new IllegalStateException("pool would not close");
        resources.add("pool", failing("pool", failure));
        resources.add("server", named("server"));

        assertThatThrownBy(resources::close).isSameAs(failure);
        assertThat(closed).containsExactly("server", "pool");
    }

    @Test
    void aFailedStartClosesWhatOpenedAndKeepsTheCloseFailuresWithItsOwn() {
        Resources resources = new Resources();
        IllegalStateException closeFailure = new IllegalStateException("listener would not stop");
        resources.add("pool", named("pool"));
        resources.add("listener", failing("listener", closeFailure));
        resources.add("writer", named("writer"));
        StartupException start = new StartupException("the web server could not start");

        assertThat(resources.closeAfter(start)).isSameAs(start);

        assertThat(closed).containsExactly("writer", "listener", "pool");
        assertThat(start.getSuppressed()).containsExactly(closeFailure);
    }

    @Test
    void closesEachResourceOnce() {
        Resources resources = new Resources();
        resources.add("pool", named("pool"));

        resources.close();
        resources.close();

        assertThat(closed).containsExactly("pool");
    }
}
