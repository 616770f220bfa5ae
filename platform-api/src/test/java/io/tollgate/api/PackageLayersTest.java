package io.tollgate.api;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The import arrows between platform-api's packages, read from the main sources: they point down. {@code observe}
 * (logs, metrics, health) and {@code net} (client addresses, listener budgets) depend on no other package,
 * {@code http} (the shared plumbing) only on those two, {@code input} (reading client input) only on the three, and
 * no two packages import each other, directly or round a longer loop. Every package says what belongs in it.
 */
class PackageLayersTest {
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?io\\.tollgate\\.api\\.([a-z]+)\\.",
                                                          Pattern.MULTILINE);
    private static Map<String, Set<String>> imports;
    private static Path api;

    @BeforeAll
    static void readSources() throws IOException {
        Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (root != null && !Files.isDirectory(root.resolve("platform-api/src/main/java"))) {
            root = root.getParent();
        }
        assertThat(root).as("the repository above " + System.getProperty("user.dir")).isNotNull();
        api = root.resolve("platform-api/src/main/java/io/tollgate/api");
        imports = new TreeMap<>();
        try (Stream<Path> files = Files.walk(api)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Path dir = api.relativize(file.getParent());
                if (dir.getNameCount() == 0 || dir.toString().isEmpty()) {
                    continue; // the composition root may import every package
                }
                String pkg = dir.getName(0).toString();
                Set<String> to = imports.computeIfAbsent(pkg, p -> new TreeSet<>());
                Matcher m = IMPORT.matcher(Files.readString(file));
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        to.add(m.group(1));
                    }
                }
            }
        }
        assertThat(imports).as("packages read").containsKeys("observe", "net", "http", "input", "ingest", "worker", "events");
    }

    @Test
    void observeImportsNoOtherPackage() {
        assertThat(imports.get("observe")).isEmpty();
    }

    @Test
    void netImportsNoOtherPackage() {
        assertThat(imports.get("net")).isEmpty();
    }

    @Test
    void httpImportsOnlyObserveAndNet() {
        assertThat(imports.get("http")).isSubsetOf(Set.of("observe", "net"));
    }

    @Test
    void inputImportsOnlyTheSharedPlumbing() {
        assertThat(imports.get("input")).isSubsetOf(Set.of("observe", "net", "http"));
    }

    @Test
    void everyPackageSaysWhatBelongsInIt() {
        List<String> without = imports.keySet().stream()
                .filter(pkg -> !Files.isRegularFile(api.resolve(pkg).resolve("package-info.java")))
                .toList();
        assertThat(without).as("packages without package-info.java").isEmpty();
    }

    @Test
    void noPackageReachesBackToItself() {
        List<String> loops = new ArrayList<>();
        for (String start : imports.keySet()) {
            List<String> path = loop(start, start, new ArrayList<>(List.of(start)), new TreeSet<>());
            if (path != null) {
                loops.add(String.join(" -> ", path));
            }
        }
        assertThat(loops).as("import cycles").isEmpty();
    }

    /** A path of imports from {@code at} back to {@code start}, or null. */
    private static List<String> loop(String start, String at, List<String> path, Set<String> seen) {
        for (String next : imports.getOrDefault(at, Set.of())) {
            if (next.equals(start)) {
                List<String> found = new ArrayList<>(path);
                found.add(start);
                return found;
            }
            if (seen.add(next)) {
                path.add(next);
                List<String> found = loop(start, next, path, seen);
                if (found != null) {
                    return found;
                }
                path.remove(path.size() - 1);
            }
        }
        return null;
    }
}
