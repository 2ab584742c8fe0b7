package dev.lopper.convert.cache;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One top-level file of a Hugging Face folder as the cache key sees it: name, size and modification time (through
 * symbolic links, as the Hugging Face hub's snapshot folders are made of).
 *
 * @param modified the modification time as {@link java.nio.file.attribute.FileTime#toString()}, at the file
 *                 system's full precision
 */
record SourceFile(String name, long size, String modified) {

    /** The regular files directly in {@code folder}, sorted by name. */
    static List<SourceFile> list(Path folder) throws IOException {
        List<SourceFile> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, Files::isRegularFile)) {
            for (Path f : files) {
                out.add(new SourceFile(f.getFileName().toString(), Files.size(f),
                        Files.getLastModifiedTime(f).toString()));
            }
        }
        out.sort(Comparator.comparing(SourceFile::name));
        return out;
    }

    /** Whether the file holds weights (safetensors, or PyTorch's pickled {@code .bin}/{@code .pt}/{@code .pth}). */
    boolean isWeights() {
        return name.endsWith(".safetensors") || name.endsWith(".bin") || name.endsWith(".pt")
                || name.endsWith(".pth");
    }
}
