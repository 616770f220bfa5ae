package io.tollgate.api;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Opens the root logger down to FINE for one capturing handler without letting the other handlers (the console)
 * print FINE too: they keep the level the root had, so a test that searches every record for secrets does not flood
 * its output with the drivers' and Helidon's debug lines.
 */
final class CapturedRoot implements AutoCloseable {
    private final Logger root = Logger.getLogger("");
    private final Handler capture;
    private final Level previous;
    private final Map<Handler, Level> others = new IdentityHashMap<>();

    CapturedRoot(Handler capture) {
        this.capture = capture;
        previous = root.getLevel();
        Level shown = previous == null ? Level.INFO : previous;
        for (Handler h : root.getHandlers()) {
            others.put(h, h.getLevel());
            if (h.getLevel().intValue() < shown.intValue()) {
                h.setLevel(shown);
            }
        }
        root.addHandler(capture);
        if (previous == null || previous.intValue() > Level.FINE.intValue()) {
            root.setLevel(Level.FINE);
        }
    }

    @Override
    public void close() {
        root.removeHandler(capture);
        root.setLevel(previous);
        others.forEach(Handler::setLevel);
    }
}
