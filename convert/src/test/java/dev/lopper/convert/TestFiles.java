package dev.lopper.convert;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

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

    /** Every GPTQ fixture folder: the in-repo copies, and all of ../shared/fixtures/gptq when present. */
    public static List<Path> gptqFixtures() {
        List<Path> out = new ArrayList<>(folders(inRepo("gptq")));
        if (hasShared()) {
            for (Path p : folders(shared().resolve("fixtures/gptq"))) {
                if (out.stream().noneMatch(q -> q.getFileName().equals(p.getFileName()))) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    private static List<Path> folders(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The names of the files in a folder, sorted, for checking that nothing was left behind. */
    public static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
