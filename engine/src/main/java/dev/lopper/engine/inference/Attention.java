package dev.lopper.engine.inference;

import dev.lopper.engine.model.LayerConfig;
import dev.lopper.quant.ThreadPool;

/**
 * Causal grouped-query attention of one query position over the cached positions {@code [0, length)}: query head
 * {@code h} reads kv head {@code h / groupSize}; {@code out_h = Σ_t softmax_t(q_h·k_t / √d) · v_t}.
 * Heads run in parallel, each with its own row of score scratch.
 */
final class Attention {
    private final float[][] scores;

    Attention(int maxHeads, int contextLength) {
        scores = new float[maxHeads][contextLength];
    }

    void attend(LayerConfig l, float[] q, float[] keys, float[] values, int length, float[] out, ThreadPool pool) {
        int headDim = l.headDim();
        int valueDim = l.valueDim();
        int kvDim = l.kvDim();
        int kvValueDim = l.kvValueDim();
        int group = l.groupSize();
        float scale = (float) (1.0 / Math.sqrt(headDim));
        int grain = Math.max(1, (1 << 15) / Math.max(1, length * (headDim + valueDim)));
        pool.parallelFor(l.heads(), grain, (start, end, worker) -> {
            for (int h = start; h < end; h++) {
                float[] att = scores[h];
                int qOff = h * headDim;
                int kvHead = h / group;
                float max = Float.NEGATIVE_INFINITY;
                for (int t = 0; t < length; t++) {
                    int kOff = t * kvDim + kvHead * headDim;
                    float dot = 0f;
                    for (int d = 0; d < headDim; d++) {
                        dot += q[qOff + d] * keys[kOff + d];
                    }
                    att[t] = dot * scale;
                    max = Math.max(max, att[t]);
                }
                float sum = 0f;
                for (int t = 0; t < length; t++) {
                    att[t] = (float) Math.exp(att[t] - max);
                    sum += att[t];
                }
                int oOff = h * valueDim;
                java.util.Arrays.fill(out, oOff, oOff + valueDim, 0f);
                for (int t = 0; t < length; t++) {
                    float a = att[t] / sum;
                    int vOff = t * kvValueDim + kvHead * valueDim;
                    for (int d = 0; d < valueDim; d++) {
                        out[oOff + d] += a * values[vOff + d];
                    }
                }
            }
        });
    }
}
