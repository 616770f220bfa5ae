package io.tollgate.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What the log of a production process ({@code java -jar}) would contain: the logger levels and the console handler
 * named in the production {@code logging.properties}, with that handler's output captured instead of printed.
 * Everything is restored on {@link #close()}.
 */
public final class ProductionLog implements AutoCloseable {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Logger root = Logger.getLogger("");
    private final List<Logger> loggers = new ArrayList<>();
    private final List<Level> previous = new ArrayList<>();
    private final Handler handler;

    private ProductionLog() throws Exception {
        Properties props = new Properties();
        try (InputStream in = ProductionLog.class.getResourceAsStream("/logging.properties")) {
            if (in == null) {
                throw new IllegalStateException("the production logging.properties is not on the class path");
            }
            props.load(in);
        }
        for (String key : props.stringPropertyNames()) {
            if (key.endsWith(".level") && !key.contains("Handler")) {
                String name = key.equals(".level") ? "" : key.substring(0, key.length() - ".level".length());
                Logger logger = Logger.getLogger(name);
                loggers.add(logger); // kept strongly, so the level cannot be lost to garbage collection
                previous.add(logger.getLevel());
                logger.setLevel(Level.parse(props.getProperty(key).trim()));
            }
        }
        String handlerClass = props.getProperty("handlers").split(",")[0].trim();
        // a console handler binds System.out or System.err when it is made: make it while both point here
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        PrintStream capture = new PrintStream(out, true, StandardCharsets.UTF_8);
        synchronized (System.class) {
            System.setOut(capture);
            System.setErr(capture);
            try {
                handler = (Handler) Class.forName(handlerClass).getDeclaredConstructor().newInstance();
            } finally {
                System.setOut(stdout);
                System.setErr(stderr);
            }
        }
        root.addHandler(handler);
    }

    public static ProductionLog start() {
        try {
            return new ProductionLog();
        } catch (Exception e) {
            throw new IllegalStateException("could not set up the production log", e);
        }
    }

    /** Everything written so far. */
    public String text() {
        handler.flush();
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    public int bytes() {
        return text().getBytes(StandardCharsets.UTF_8).length;
    }

    public int lines() {
        String t = text();
        return t.isEmpty() ? 0 : (int) t.chars().filter(c -> c == '\n').count();
    }

    @Override
    public void close() throws IOException {
        root.removeHandler(handler);
        handler.flush();
        for (int i = 0; i < loggers.size(); i++) {
            loggers.get(i).setLevel(previous.get(i));
        }
    }
}
