package dev.lopper.engine.inference;

import dev.lopper.engine.model.LayerConfig;

import java.util.List;

/**
 * Keys and values of every position seen so far, per layer, each layer sized by its own kv heads (pruned models
 * differ per layer). Layout per layer: {@code [position][kvHead][headDim]}.
 */
public final class KvCache {
    private final float[][] keys;
    private final float[][] values;
    private final int[] keyStride;
    private final int[] valueStride;
    private final int capacity;

    public KvCache(List<LayerConfig> layers, int capacity) {
        this.capacity = capacity;
        int n = layers.size();
        keys = new float[n][];
        values = new float[n][];
        keyStride = new int[n];
        valueStride = new int[n];
        for (int i = 0; i < n; i++) {
            LayerConfig l = layers.get(i);
            keyStride[i] = l.kvDim();
            valueStride[i] = l.kvValueDim();
            keys[i] = new float[Math.multiplyExact(capacity, keyStride[i])];
            values[i] = new float[Math.multiplyExact(capacity, valueStride[i])];
        }
    }

    /** Bytes a cache of {@code capacity} positions takes for these layers. */
    public static long bytesFor(List<LayerConfig> layers, int capacity) {
        long perPos = layers.stream().mapToLong(l -> l.kvDim() + l.kvValueDim()).sum();
        return perPos * capacity * Float.BYTES;
    }

    public int capacity() {
        return capacity;
    }

    public float[] keys(int layer) {
        return keys[layer];
    }

    public float[] values(int layer) {
        return values[layer];
    }

    public int keyOffset(int layer, int pos) {
        return pos * keyStride[layer];
    }

    public int valueOffset(int layer, int pos) {
        return pos * valueStride[layer];
    }
}
