package dev.lopper.bench;

import dev.lopper.convert.quantize.FileType;
import dev.lopper.convert.synth.ModelSynthesizer;
import dev.lopper.convert.synth.SynthPreset;
import dev.lopper.engine.model.LlamaModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A random-weight model with real layer shapes, synthesized into a temporary directory for one benchmark trial and
 * deleted afterwards: the Sheared-LLaMA-1.3B geometry (dim 2048, ffn 5504, 32000-token vocabulary) cut to a few
 * blocks, so that setup takes seconds while each matrix has the size it has in the real model.
 */
final class SynthesizedModel implements AutoCloseable {
    private final Path dir;
    private final LlamaModel model;

    SynthesizedModel(int layers, String type) {
        try {
            dir = Files.createTempDirectory("lopper-jmh-");
            Path file = dir.resolve("model.gguf");
            ModelSynthesizer.write(file, SynthPreset.SHEARED_LLAMA_1_3B.withLayers(layers), FileType.parse(type), 42);
            model = LlamaModel.load(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    LlamaModel model() {
        return model;
    }

    @Override
    public void close() {
        model.close();
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
