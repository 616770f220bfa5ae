package io.tollgate.api.local;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * File modes of local mode's data directory: the directory itself is the user's alone (700), and nothing under it is
 * writable by the group or others. The directory holds the generated keys and the database's password, the
 * database's files, and the PostgreSQL binaries the gateway runs (which zonky unpacks into a directory it makes
 * writable by everyone).
 */
final class LocalFiles {
    static final Set<PosixFilePermission> PRIVATE_DIRECTORY = PosixFilePermissions.fromString("rwx------");

    private LocalFiles() {
    }

    /** Creates {@code dir} (and its parents) if needed, and makes it mode 700. */
    static void privateDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
        }
        Files.setPosixFilePermissions(dir, PRIVATE_DIRECTORY);
    }

    /**
     * Takes the group's and others' write permission off every file and directory under {@code dir} (symbolic links
     * are not followed, and their own mode means nothing).
     */
    static void noneWritableByOthers(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                tighten(d);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                if (!attrs.isSymbolicLink()) {
                    tighten(f);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) {
                return FileVisitResult.CONTINUE; // gone meanwhile (PostgreSQL's own temporary files)
            }
        });
    }

    private static void tighten(Path p) throws IOException {
        Set<PosixFilePermission> mode;
        try {
            mode = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return;
        }
        Set<PosixFilePermission> tight = EnumSet.copyOf(mode);
        tight.remove(PosixFilePermission.GROUP_WRITE);
        tight.remove(PosixFilePermission.OTHERS_WRITE);
        if (!tight.equals(mode)) {
            Files.setPosixFilePermissions(p, tight);
        }
    }
}
