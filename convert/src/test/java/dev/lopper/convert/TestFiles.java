package dev.lopper.convert;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where convert's tests find data: the in-repo {@code testdata/} subset, and {@code ../shared} when it exists. */
public final class TestFiles {
    private TestFiles() {
    }

    /** The project root (the directory holding {@code testdata/}), found from the module's working directory. */
    public static Path projectRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("testdata"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("testdata/ not found above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    /** A file under {@code testdata/}. */
    public static Path inRepo(String relative) {
        return projectRoot().resolve("testdata").resolve(relative);
    }

    /** {@code ../shared} next to the project, if present. */
    public static Path shared() {
        return projectRoot().resolveSibling("shared");
    }

    public static boolean hasShared() {
        return Files.isDirectory(shared().resolve("fixtures"));
    }
}
