package dev.lopper.prune;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the prune tests find models: the project root holding {@code testdata/} and {@code models/}. */
final class PruneTestData {
    private PruneTestData() {
    }

    static Path projectRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("testdata"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("testdata/ not found above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
