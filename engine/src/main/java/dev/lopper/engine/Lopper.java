package dev.lopper.engine;

import dev.lopper.engine.generate.ContextWindow;
import dev.lopper.engine.model.LlamaModel;
import dev.lopper.quant.ThreadPool;
import dev.lopper.quant.WeightLoader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * The entry point for embedding Lopper: {@link #load} maps a GGUF model and starts its thread pool; the
 * {@link Model} it returns makes {@link dev.lopper.engine.generate.Session sessions} (each with its own KV cache)
 * and is closed when done. Chat on top of it lives in the {@code chat} module ({@code dev.lopper.chat.ChatSession}).
 *
 * <pre>{@code
 * try (Model model = Lopper.load(Path.of("models/stories260K.gguf"))) {
 *     Session session = model.newSession();
 *     float[] logits = session.append(model.tokenizer().encode("Once upon a time", true, false));
 * }
 * }</pre>
 *
 * See docs/java-api.md.
 */
public final class Lopper {
    private Lopper() {
    }

    /**
     * How to load a model.
     *
     * @param threads     threads to compute with; 0 = the number of physical cores
     * @param contextSize the default context window of {@link Model#newSession()}; 0 = the model's own, capped so
     *                    that its KV cache fits in the heap
     * @param skipBlocks  blocks left out at run time, by the file's {@code blk.N} numbers ({@code --skip-layers})
     * @param repack      whether Q4_0 and Q8_0 matrices may be repacked at load for faster kernels
     *                    ({@code dev.lopper.quant.WeightLoader}; off with {@code --no-repack})
     */
    public record Options(int threads, int contextSize, Set<Integer> skipBlocks, boolean repack) {
        public Options {
            if (threads < 0) {
                throw new IllegalArgumentException("--threads must be positive, got " + threads);
            }
            if (contextSize < 0) {
                throw new IllegalArgumentException("--ctx-size must be at least 1, got " + contextSize);
            }
            skipBlocks = Set.copyOf(skipBlocks);
        }

        /** Repacking as {@link WeightLoader#repackByDefault()} says (on unless {@code -Dlopper.repack=false}). */
        public Options(int threads, int contextSize, Set<Integer> skipBlocks) {
            this(threads, contextSize, skipBlocks, WeightLoader.repackByDefault());
        }

        /** Every block runs. */
        public Options(int threads, int contextSize) {
            this(threads, contextSize, Set.of());
        }

        /** Every physical core, the model's context. */
        public static Options defaults() {
            return new Options(0, 0);
        }

        public Options withThreads(int value) {
            return new Options(value, contextSize, skipBlocks, repack);
        }

        public Options withContextSize(int value) {
            return new Options(threads, value, skipBlocks, repack);
        }

        public Options withSkipBlocks(Set<Integer> blocks) {
            return new Options(threads, contextSize, blocks, repack);
        }

        public Options withRepack(boolean value) {
            return new Options(threads, contextSize, skipBlocks, value);
        }
    }

    /** {@link #load(Path, Options)} with {@link Options#defaults()}. */
    public static Model load(Path path) throws IOException {
        return load(path, Options.defaults());
    }

    /**
     * Maps, validates and binds a GGUF model and starts its thread pool. Errors name the file and the tensor or key
     * ({@link dev.lopper.gguf.GgufFormatException}, {@link dev.lopper.engine.model.ModelFormatException}); a bad
     * option, or a block to skip that the file lacks, is an {@link IllegalArgumentException}.
     */
    public static Model load(Path path, Options options) throws IOException {
        LlamaModel llama = LlamaModel.load(path, options.skipBlocks(), options.repack());
        try {
            int ctx = ContextWindow.choose(llama.config(), options.contextSize() == 0 ? null : options.contextSize());
            int threads = options.threads() == 0 ? physicalCores() : options.threads();
            return new Model(path, llama, new ThreadPool(threads), ctx);
        } catch (RuntimeException e) {
            llama.close();
            throw e;
        }
    }

    /** Physical cores of this machine, the default thread count. */
    public static int physicalCores() {
        return ThreadPool.physicalCores();
    }
}
