package dev.lopper.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * {@code -m/--model}: the GGUF file to run, or a Hugging Face folder (converted once into the cache, see
 * {@link ModelPaths}); the bundled demo model when omitted.
 */
public final class ModelOptions {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = "GGUF model file or Hugging Face folder (default: the bundled demo model "
                    + "models/stories260K.gguf).")
    String model;

    @Mixin
    CacheOption cache = new CacheOption();

    private Path resolved;

    /**
     * The GGUF file to run: the one the user named, a Hugging Face folder's converted file (converted on the first
     * call if the cache has none), or the bundled demo model.
     *
     * @throws UncheckedIOException if the conversion fails
     */
    public Path path() {
        if (resolved == null) {
            Path named = model != null ? Path.of(model)
                    : Path.of(System.getProperty("lopper.home", "."), "models", "stories260K.gguf");
            try {
                resolved = ModelPaths.resolve(named, cache.dir());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return resolved;
    }
}
