package dev.lopper.engine.inference;

import dev.lopper.engine.model.LayerConfig;
import dev.lopper.quant.ThreadPool;

import java.util.Arrays;

/**
 * Causal grouped-query attention for a batch of {@code n} consecutive query positions {@code pos0 ..}: the query
 * at position {@code p} sees the cached positions {@code [0, p]}; query head {@code h} reads kv head
 * {@code h / groupSize}; {@code out_h = Σ_t softmax_t(q_h·k_t / √d) · v_t}. (token, head) pairs run in parallel,
 * each worker with its own row of score scratch.
 */
final class Attention {
    private final float[][] scores;

    Attention(int workers, int contextLength) {
        scores = new float[workers][contextLength];
    }

    void attend(LayerConfig l, float[] q, float[] keys, float[] values, int pos0, int n, float[] out,
                ThreadPool pool) {
        int heads = l.heads();
        int work = (pos0 + n) * (l.headDim() + l.valueDim());
        int grain = Math.max(1, (1 << 15) / Math.max(1, work));
        pool.parallelFor(n * heads, grain, (start, end, worker) -> {
            for (int item = start; item < end; item++) {
                int b = item / heads;
                head(l, q, b * l.queryDim(), item % heads, keys, values, pos0 + b + 1, out,
                        b * l.attentionOutDim(), scores[worker]);
            }
        });
    }

    private static void head(LayerConfig l, float[] q, int qRow, int h, float[] keys, float[] values, int length,
                             float[] out, int outRow, float[] att) {
        int headDim = l.headDim();
        int valueDim = l.valueDim();
        int kvDim = l.kvDim();
        int kvValueDim = l.kvValueDim();
        int kvHead = h / l.groupSize();
        float scale = (float) (1.0 / Math.sqrt(headDim));
        int qOff = qRow + h * headDim;
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
        int oOff = outRow + h * valueDim;
        Arrays.fill(out, oOff, oOff + valueDim, 0f);
        for (int t = 0; t < length; t++) {
            float a = att[t] / sum;
            int vOff = t * kvValueDim + kvHead * valueDim;
            for (int d = 0; d < valueDim; d++) {
                out[oOff + d] += a * values[vOff + d];
            }
        }
    }
}
