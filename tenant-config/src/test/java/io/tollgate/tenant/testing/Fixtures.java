package io.tollgate.tenant.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The shared real-world payloads in {@code ../shared/fixtures} (each with a .txt saying where it comes from). */
public final class Fixtures {
    private Fixtures() {
    }

    public static Path path(String name) {
        Path dir = Path.of(System.getProperty("tollgate.fixtures", "../../shared/fixtures"));
        Path p = dir.resolve(name);
        if (!Files.exists(p)) {
            throw new IllegalStateException("fixture " + name + " not found in " + dir.toAbsolutePath()
                    + " (the shared/ folder must sit beside the repository)");
        }
        return p;
    }

    public static byte[] bytes(String name) {
        try {
            return Files.readAllBytes(path(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
