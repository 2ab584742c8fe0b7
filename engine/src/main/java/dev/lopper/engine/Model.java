package dev.lopper.engine;

import dev.lopper.engine.generate.Session;
import dev.lopper.engine.generate.SessionBatcher;
import dev.lopper.engine.inference.Forward;
import dev.lopper.engine.inference.KvCache;
import dev.lopper.engine.model.LlamaModel;
import dev.lopper.engine.model.ModelConfig;
import dev.lopper.engine.tokenizer.Tokenizer;
import dev.lopper.gguf.GgufMetadata;
import dev.lopper.quant.ThreadPool;

import java.nio.file.Path;

/**
 * A loaded model, from {@link Lopper#load}: the mapped weights, the tokenizer and one thread pool. Sessions made
 * from it share the weights (mapped once, never copied) and the pool, and each has its own KV cache. Closing the
 * model stops the pool and unmaps the file; sessions must not be used afterwards.
 *
 * <p>A model runs one forward pass at a time: use its sessions from one thread, or one at a time. To run many
 * sessions at once, make them from a {@link #newBatcher batcher}, which merges their steps into shared passes.
 */
public final class Model implements AutoCloseable {
    private final Path path;
    private final LlamaModel llama;
    private final ThreadPool pool;
    private final int contextSize;

    Model(Path path, LlamaModel llama, ThreadPool pool, int contextSize) {
        this.path = path;
        this.llama = llama;
        this.pool = pool;
        this.contextSize = contextSize;
    }

    /** {@code general.name}, or the file name. */
    public String name() {
        return llama.config().name();
    }

    public Path path() {
        return path;
    }

    public ModelConfig config() {
        return llama.config();
    }

    public Tokenizer tokenizer() {
        return llama.tokenizer();
    }

    /** The GGUF metadata (chat template, names, tokenizer settings). */
    public GgufMetadata metadata() {
        return llama.file().metadata();
    }

    /** Threads computing, the caller included. */
    public int threads() {
        return pool.size();
    }

    /** The context window {@link #newSession()} gets: the one asked for at load, or the model's own, capped. */
    public int contextSize() {
        return contextSize;
    }

    /** Bytes of the mapped model file (the weights are read from the mapping, not copied). */
    public long fileBytes() {
        return llama.file().fileSize();
    }

    /** Bytes the KV cache of a session of {@code contextLength} tokens takes. */
    public long kvCacheBytes(int contextLength) {
        return KvCache.bytesFor(llama.config().layers(), contextLength);
    }

    /** A session with the default {@link #contextSize()}. */
    public Session newSession() {
        return newSession(contextSize);
    }

    /** A session with a KV cache of {@code contextLength} tokens (at most the model's context). */
    public Session newSession(int contextLength) {
        if (contextLength > llama.config().contextLength()) {
            throw new IllegalArgumentException("context of " + contextLength + " tokens exceeds the model's "
                    + llama.config().contextLength());
        }
        return new Session(llama, contextLength, pool);
    }

    /**
     * A batcher whose sessions ({@link SessionBatcher#newSession()}, each with a KV cache of {@code contextLength}
     * tokens) may be used from many threads at once: their steps run together, one forward pass for all of them.
     * Close it before the model; don't use the model's own sessions while it runs.
     */
    public SessionBatcher newBatcher(int contextLength) {
        if (contextLength < 1 || contextLength > llama.config().contextLength()) {
            throw new IllegalArgumentException("context of " + contextLength + " tokens per session; 1.."
                    + llama.config().contextLength() + " allowed");
        }
        return new SessionBatcher(llama, contextLength, pool);
    }

    /**
     * A forward pass of its own over a KV cache of {@code contextLength} tokens, for engine-level evaluation
     * ({@code dev.lopper.engine.eval}) that runs the model block by block.
     */
    public Forward newForward(int contextLength) {
        return new Forward(llama, contextLength, pool);
    }

    /** The bound weights and configuration, for engine-level tools such as the benchmark runner. */
    public LlamaModel llama() {
        return llama;
    }

    @Override
    public void close() {
        pool.close();
        llama.close();
    }
}
