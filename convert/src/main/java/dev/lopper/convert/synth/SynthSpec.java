package dev.lopper.convert.synth;

import dev.lopper.convert.quantize.FileType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A synthetic model named in place of a file: {@code synth:PRESET:TYPE}, e.g. {@code synth:st-vicuna-5.5b:q4_0}
 * ({@code synth:PRESET} means Q4_0). {@link #ensure} synthesizes it once into a cache directory and reuses it.
 */
public record SynthSpec(SynthPreset preset, FileType type) {
    /** The prefix that marks a synthetic model. */
    public static final String PREFIX = "synth:";
    /** Seed of cached models, so that every cached file of a preset and type is the same. */
    public static final long CACHE_SEED = 42;

    public SynthSpec {
        Objects.requireNonNull(preset, "preset");
        Objects.requireNonNull(type, "type");
    }

    /** Whether {@code model} names a synthetic model rather than a file. */
    public static boolean isSpec(String model) {
        return model != null && model.regionMatches(true, 0, PREFIX, 0, PREFIX.length());
    }

    /**
     * Parses {@code synth:PRESET[:TYPE]}.
     *
     * @throws IllegalArgumentException naming the valid presets or types when one is unknown
     */
    public static SynthSpec parse(String model) {
        if (!isSpec(model)) {
            throw new IllegalArgumentException("'" + model + "' is not of the form synth:PRESET:TYPE");
        }
        String rest = model.substring(PREFIX.length());
        int colon = rest.indexOf(':');
        String preset = colon < 0 ? rest : rest.substring(0, colon);
        String type = colon < 0 ? "Q4_0" : rest.substring(colon + 1);
        return new SynthSpec(SynthPreset.named(preset), FileType.parse(type));
    }

    /** The cached file's name, e.g. {@code st-vicuna-5.5b-q4_0.gguf}. */
    public String fileName() {
        return preset.name() + "-" + type.name().toLowerCase(Locale.ROOT) + ".gguf";
    }

    @Override
    public String toString() {
        return PREFIX + preset.name() + ":" + type.name().toLowerCase(Locale.ROOT);
    }

    /**
     * The default cache: {@code $XDG_CACHE_HOME/lopper/synth}, or {@code ~/.cache/lopper/synth}; the system property
     * {@code lopper.synth.cache} overrides both.
     */
    public static Path defaultCacheDir() {
        String override = System.getProperty("lopper.synth.cache");
        if (override != null && !override.isBlank()) {
            return Path.of(override);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("lopper").resolve("synth");
    }

    /**
     * The cached model in {@code cacheDir}, synthesized first if it is not there yet (with seed {@link #CACHE_SEED}).
     *
     * @param notice told, in one line, when the model is synthesized and when a cached one is used
     */
    public Path ensure(Path cacheDir, Consumer<String> notice) throws IOException {
        Path file = cacheDir.resolve(fileName());
        if (Files.isRegularFile(file)) {
            notice.accept("using cached synthetic model " + file);
            return file;
        }
        Files.createDirectories(cacheDir);
        notice.accept("synthesizing " + this + " into " + file + " (once; later runs reuse it)");
        ModelSynthesizer.write(file, preset, type, CACHE_SEED);
        return file;
    }
}
