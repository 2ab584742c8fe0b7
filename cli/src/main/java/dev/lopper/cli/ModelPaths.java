package dev.lopper.cli;

import dev.lopper.convert.cache.ModelCache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the user named as a model, made a GGUF file: a Hugging Face folder (one with {@code config.json}) is
 * converted once into the cache ({@link ModelCache}) with a progress bar and a line saying where; a file is taken
 * as it is; any other folder is an error naming it.
 */
final class ModelPaths {
    private ModelPaths() {
    }

    /**
     * The GGUF file for {@code model}.
     *
     * @param cacheDir {@code --cache-dir}, or null for {@link ModelCache#defaultRoot()}
     */
    static Path resolve(Path model, Path cacheDir) throws IOException {
        if (!Files.isDirectory(model)) {
            return model;
        }
        if (!ModelCache.isHuggingFaceFolder(model)) {
            throw ModelCache.notAModel(model);
        }
        ModelCache cache = new ModelCache(cacheDir != null ? cacheDir : ModelCache.defaultRoot());
        ProgressBar bar = ProgressBar.onTerminal("converting");
        return cache.ensureConverted(model, (name, done, total, bytesDone, bytesTotal) -> {
            if (bar != null) {
                bar.update(done, total, bytesDone, bytesTotal);
            }
        }, Terminal::notice);
    }
}
