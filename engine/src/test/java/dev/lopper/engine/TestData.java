package dev.lopper.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Where tests find models: the in-repo {@code testdata/} subset, and {@code ../shared} when it exists. */
public final class TestData {
    private TestData() {
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

    /** Every {@code *.gguf} with a {@code .ref.json} beside it under {@code dir}. */
    public static List<Path> referencedModels(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> out = new ArrayList<>();
            files.filter(p -> p.toString().endsWith(".gguf"))
                    .filter(p -> Files.exists(refFor(p)))
                    .sorted()
                    .forEach(out::add);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path refFor(Path gguf) {
        String name = gguf.getFileName().toString();
        return gguf.resolveSibling(name.substring(0, name.length() - ".gguf".length()) + ".ref.json");
    }
}
