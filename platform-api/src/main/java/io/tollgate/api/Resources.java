package io.tollgate.api;

import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

/**
 * Everything the gateway has opened (pools, executors, schedulers, the web server, watchers, the worker), closed in
 * the reverse of the order it was opened in. {@code Tollgate.start} registers each resource as it opens it; a start
 * that fails and a normal stop close them through the same code. A close that fails is logged and the rest are still
 * closed.
 */
final class Resources implements AutoCloseable {
    // under the composition root's logger, where operators read a start and a stop
    private static final System.Logger LOG = System.getLogger("io.tollgate.api.Tollgate");

    private record Entry(String name, AutoCloseable resource) {
    }

    private final Deque<Entry> open = new ArrayDeque<>();

    /** Registers a resource just opened, named in the log by its class; returns it. */
    <T extends AutoCloseable> T add(T resource) {
        add(resource.getClass().getSimpleName(), resource);
        return resource;
    }

    /** Registers what closes a resource just opened (an executor's shutdown, a server's stop), named in the log. */
    void add(String name, AutoCloseable close) {
        open.push(new Entry(name, close));
    }

    /**
     * Closes everything, last opened first. Every resource is closed even when some fail; the first failure is thrown
     * at the end, with the later ones suppressed.
     */
    @Override
    public void close() {
        List<Exception> failures = new ArrayList<>();
        closeAll(failures::add);
        if (failures.isEmpty()) {
            return;
        }
        RuntimeException first = failures.getFirst() instanceof RuntimeException r ? r
                : new IllegalStateException(failures.getFirst().getMessage(), failures.getFirst());
        failures.stream().skip(1).forEach(first::addSuppressed);
        throw first;
    }

    /**
     * After a failed start: closes everything opened so far, adding each close's failure to {@code failure} as
     * suppressed; returns {@code failure} for the caller to throw.
     */
    <E extends Throwable> E closeAfter(E failure) {
        closeAll(failure::addSuppressed);
        return failure;
    }

    private void closeAll(Consumer<Exception> failed) {
        while (!open.isEmpty()) {
            Entry e = open.pop();
            try {
                e.resource().close();
            } catch (Exception ex) {
                if (ex instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                LOG.log(Level.WARNING, "could not close " + e.name() + ": " + ex.getMessage());
                failed.accept(ex);
            }
        }
    }
}
