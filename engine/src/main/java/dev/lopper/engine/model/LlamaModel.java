package dev.lopper.engine.model;

import dev.lopper.engine.tokenizer.Tokenizer;
import dev.lopper.gguf.GgufFile;
import dev.lopper.quant.WeightLoader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * A loaded model: the mapped file, its configuration, weights and tokenizer. Closing unmaps the file and frees the
 * tensors repacked at load.
 */
public final class LlamaModel implements AutoCloseable {
    private final GgufFile file;
    private final WeightLoader loader;
    private final ModelConfig config;
    private final LlamaWeights weights;
    private final Tokenizer tokenizer;

    LlamaModel(GgufFile file, WeightLoader loader, ModelConfig config, LlamaWeights weights, Tokenizer tokenizer) {
        this.file = file;
        this.loader = loader;
        this.config = config;
        this.weights = weights;
        this.tokenizer = tokenizer;
    }

    /** Maps, validates and binds a GGUF model; errors name the file and the tensor or key. */
    public static LlamaModel load(Path path) throws IOException {
        return load(path, Set.of());
    }

    /**
     * Like {@link #load(Path)}, leaving out the blocks numbered in {@code skipBlocks} (the file's {@code blk.N}
     * numbers) at run time: the model runs as if they had been pruned.
     *
     * @throws IllegalArgumentException if a block to skip is not in the file, or nothing would be left to run
     */
    public static LlamaModel load(Path path, Set<Integer> skipBlocks) throws IOException {
        return load(path, skipBlocks, WeightLoader.repackByDefault());
    }

    /**
     * Like {@link #load(Path, Set)}; {@code repack} says whether Q4_0 and Q8_0 matrices may be repacked at load for
     * faster kernels (see {@link WeightLoader}), which the default takes from {@code -Dlopper.repack} (on unless
     * false).
     */
    public static LlamaModel load(Path path, Set<Integer> skipBlocks, boolean repack) throws IOException {
        GgufFile file = GgufFile.open(path);
        WeightLoader loader = new WeightLoader(path, repack);
        try {
            return ModelLoader.bind(file, skipBlocks, loader);
        } catch (java.io.UncheckedIOException e) {
            loader.close();
            file.close();
            throw e.getCause();
        } catch (RuntimeException e) {
            loader.close();
            file.close();
            throw e;
        }
    }

    public GgufFile file() {
        return file;
    }

    public ModelConfig config() {
        return config;
    }

    public LlamaWeights weights() {
        return weights;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public void close() {
        loader.close();
        file.close();
    }
}
