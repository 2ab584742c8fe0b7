package dev.lopper.engine.inference;

import dev.lopper.engine.model.LayerConfig;
import dev.lopper.quant.ThreadPool;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Causal grouped-query attention for the rows of a {@link TokenBatch}: the query of a row at position {@code p}
 * sees the positions {@code [0, p]} of its own sequence's cache (so consecutive rows of one sequence are causal
 * among themselves, and rows of other sequences are never seen); query head {@code h} reads kv head
 * {@code h / groupSize}; {@code out_h = Σ_t softmax_t(q_h·k_t / √d) · v_t}. (token, head) pairs run in parallel,
 * each worker with its own row of score scratch.
 */
final class Attention {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** The pool's task with the operands of the call in progress, made once: a call allocates nothing. */
    private final Job job;

    Attention(int workers, int contextLength) {
        job = new Job(new float[workers][contextLength]);
    }

    void attend(LayerConfig l, int layerIndex, float[] q, TokenBatch batch, float[] out, ThreadPool pool) {
        job.set(l, layerIndex, q, batch, out);
        int n = batch.size();
        int longest = 0;
        for (int b = 0; b < n; b++) {
            longest = Math.max(longest, batch.position(b) + 1);
        }
        int work = longest * (l.headDim() + l.valueDim());
        int grain = Math.max(1, (1 << 15) / Math.max(1, work));
        pool.parallelFor(n * l.heads(), grain, job);
    }

    /** One attention call's operands; items are (row of the batch, head) pairs; each worker its score row. */
    private static final class Job implements ThreadPool.RangeTask {
        private final float[][] scores;
        private LayerConfig layer;
        private int layerIndex;
        private float[] q;
        private TokenBatch batch;
        private float[] out;

        Job(float[][] scores) {
            this.scores = scores;
        }

        void set(LayerConfig layer, int layerIndex, float[] q, TokenBatch batch, float[] out) {
            this.layer = layer;
            this.layerIndex = layerIndex;
            this.q = q;
            this.batch = batch;
            this.out = out;
        }

        @Override
        public void run(int start, int end, int worker) {
            LayerConfig l = layer;
            int heads = l.heads();
            for (int item = start; item < end; item++) {
                int b = item / heads;
                KvCache c = batch.cache(b);
                head(l, q, b * l.queryDim(), item % heads, c.keys(layerIndex), c.values(layerIndex),
                        batch.position(b) + 1, out, b * l.attentionOutDim(), scores[worker]);
            }
        }
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
            att[t] = dot(q, qOff, keys, t * kvDim + kvHead * headDim, headDim) * scale;
            max = Math.max(max, att[t]);
        }
        float sum = 0f;
        for (int t = 0; t < length; t++) {
            att[t] = (float) Math.exp(att[t] - max);
            sum += att[t];
        }
        int oOff = outRow + h * valueDim;
        Arrays.fill(out, oOff, oOff + valueDim, 0f);
        float inv = 1f / sum;
        for (int t = 0; t < length; t++) {
            axpy(att[t] * inv, values, t * kvValueDim + kvHead * valueDim, out, oOff, valueDim);
        }
    }

    /** Σ a[ao+i]·b[bo+i], i &lt; n. */
    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += a[ao + i] * b[bo + i];
        }
        return s;
    }

    /** y[yo+i] += a·x[xo+i], i &lt; n. */
    private static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector av = FloatVector.broadcast(F, a);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).fma(av, FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] += a * x[xo + i];
        }
    }
}
