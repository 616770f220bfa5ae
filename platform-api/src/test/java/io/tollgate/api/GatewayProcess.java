package io.tollgate.api;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The gateway run as the README runs it: a separate JVM ({@code java ... io.tollgate.api.Main}) with a crafted
 * environment, its standard output and error captured together in a file. {@link #close()} kills it if it still runs.
 */
public final class GatewayProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on http://[^:]+:(\\d+)");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final Path output;

    private GatewayProcess(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    /** Starts {@code io.tollgate.api.Main} on this test's classpath; the inherited Tollgate/database variables are dropped. */
    public static GatewayProcess start(Map<String, String> env, Path output) {
        return start(env, output, entry -> false);
    }

    /** As {@link #start(Map, Path)}, without the classpath entries {@code leaveOut} accepts (e.g. the image's cuts). */
    public static GatewayProcess start(Map<String, String> env, Path output, Predicate<String> leaveOut) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = Arrays.stream(mainClasspath().split(File.pathSeparator))
                .filter(leaveOut.negate())
                .collect(Collectors.joining(File.pathSeparator));
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", classpath, Main.class.getName());
        pb.environment().keySet().removeIf(k -> k.startsWith("TOLLGATE_") || k.startsWith("DATABASE_")
                || k.equals("PORT") || k.startsWith("JAVA_TOOL") || k.startsWith("JDK_JAVA"));
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        pb.redirectOutput(output.toFile());
        try {
            Files.createDirectories(output.getParent());
            return new GatewayProcess(pb.start(), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * This JVM's classpath without the test classes and test jars, so the child reads the production
     * {@code logging.properties} as the packaged jar does (Helidon prefers a {@code logging-test.properties}).
     */
    private static String mainClasspath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.endsWith("test-classes") && !e.endsWith("test-classes/") && !e.endsWith("-tests.jar"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    public long pid() {
        return process.pid();
    }

    public String output() {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The non-blank lines printed so far. */
    public List<String> lines() {
        return output().lines().filter(l -> !l.isBlank()).toList();
    }

    /** Waits for the process to end by itself; fails (and kills it) if it has not after {@code limit}. */
    public int exitCode(Duration limit) throws InterruptedException {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the gateway did not exit within " + limit + "; output:\n" + output());
        }
        return process.exitValue();
    }

    /** Waits until the gateway says where it listens and answers 200 on its health endpoint; returns its port. */
    public int awaitHealthy(Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new AssertionError("the gateway exited with " + process.exitValue() + "; output:\n" + output());
            }
            Optional<Integer> port = port();
            if (port.isPresent() && health(port.get()) == 200) {
                return port.get();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the gateway was not healthy within " + limit + "; output:\n" + output());
    }

    private Optional<Integer> port() {
        Matcher m = LISTENING.matcher(output());
        return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
    }

    private static int health(int port) throws InterruptedException {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/health"))
                                     .timeout(Duration.ofSeconds(5)).GET().build(),
                             HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    /** SIGTERM, as an orchestrator or Ctrl-C stops it. */
    public void terminate() {
        process.destroy();
    }

    /** SIGKILL, as the OOM killer or {@code kill -9} stops it: no shutdown hook runs. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    public boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Stops every PostgreSQL server process whose command line names {@code dataDir} (what a killed gateway left
     * behind), first politely, then by force. Only ever touches servers of that directory.
     */
    public static void stopPostgresOf(Path dataDir) throws InterruptedException {
        String dir = dataDir.toAbsolutePath().toString();
        List<ProcessHandle> servers = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains("postgres") && c.contains(dir)).orElse(false))
                .toList();
        servers.forEach(ProcessHandle::destroy);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (ProcessHandle p : servers) {
            while (p.isAlive() && System.nanoTime() < end) {
                Thread.sleep(100);
            }
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
    }

    /** The pid PostgreSQL wrote in the first line of {@code postmaster.pid}, if the file is there. */
    public static Optional<Long> postmasterPid(Path pgData) {
        try {
            List<String> lines = Files.readAllLines(pgData.resolve("postmaster.pid"));
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).strip()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
