package dev.lopper.engine.generate;

import dev.lopper.engine.inference.KvCache;
import dev.lopper.engine.model.ModelConfig;

/** Chooses a context window: the user's, or the model's own capped so that the KV cache fits the heap. */
public final class ContextWindow {
    /** Share of the free heap the KV cache may take when the size is chosen automatically. */
    private static final double HEAP_SHARE = 0.6;

    private ContextWindow() {
    }

    /**
     * @param requested the user's {@code --ctx-size}, or null for automatic
     * @return the window; a requested size larger than the model's context or than memory allows is an error
     */
    public static int choose(ModelConfig config, Integer requested) {
        long perToken = KvCache.bytesFor(config.layers(), 1);
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        long fits = Math.max(1, (long) (free * HEAP_SHARE) / Math.max(1, perToken));
        if (requested == null) {
            return (int) Math.max(1, Math.min(config.contextLength(), fits));
        }
        if (requested < 1) {
            throw new IllegalArgumentException("--ctx-size must be at least 1, got " + requested);
        }
        if (requested > config.contextLength()) {
            throw new IllegalArgumentException("--ctx-size " + requested + " exceeds the model's context of "
                    + config.contextLength());
        }
        if (requested > fits) {
            throw new IllegalArgumentException("--ctx-size " + requested + " needs a KV cache of "
                    + (perToken * requested >> 20) + " MiB but only about " + (free >> 20)
                    + " MiB of heap is free (raise -Xmx via LOPPER_JAVA_OPTS or lower --ctx-size)");
        }
        return requested;
    }
}
