package dev.lopper.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix × batch of vectors, for prompt processing: {@code out[b·rows + r] = Σ_c W[r][c] · x[b·cols + c]}.
 * Each thread dequantizes a tile of {@value #TILE} rows once into its scratch and runs every vector of the batch
 * against it, so each weight block is read and decoded once per batch, not once per token.
 * A batch of one goes to {@link MatVec}.
 */
public final class MatMul {
    private static final int TILE = 4;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private final ThreadPool pool;
    private final float[][] scratch;

    /** @param maxCols the longest row any matrix multiplied here has */
    public MatMul(ThreadPool pool, int maxCols) {
        this.pool = pool;
        this.scratch = new float[pool.size()][TILE * maxCols];
    }

    public void multiply(WeightMatrix w, float[] x, int batch, float[] out) {
        if (batch == 1) {
            MatVec.multiply(w, x, out, pool);
            return;
        }
        int rows = w.rows();
        int cols = w.cols();
        if (scratch[0].length < TILE * cols) {
            throw new IllegalArgumentException("tensor '" + w.name() + "': rows of " + cols
                    + " exceed the scratch sized for " + scratch[0].length / TILE);
        }
        BlockCodec codec = w.codec();
        long rowBytes = w.rowBytes();
        int tiles = (rows + TILE - 1) / TILE;
        pool.parallelFor(tiles, 1, (start, end, worker) -> {
            float[] rowsBuf = scratch[worker];
            for (int t = start; t < end; t++) {
                int r0 = t * TILE;
                int nr = Math.min(TILE, rows - r0);
                for (int i = 0; i < nr; i++) {
                    codec.dequantize(w.data(), (r0 + i) * rowBytes, rowsBuf, i * cols, cols);
                }
                if (nr == TILE) {
                    tile4(rowsBuf, cols, x, batch, out, rows, r0);
                } else {
                    for (int i = 0; i < nr; i++) {
                        for (int b = 0; b < batch; b++) {
                            out[b * rows + r0 + i] = dot(rowsBuf, i * cols, x, b * cols, cols);
                        }
                    }
                }
            }
        });
    }

    /** Four dequantized rows against every vector of the batch, each x vector loaded once for the four rows. */
    private static void tile4(float[] w, int cols, float[] x, int batch, float[] out, int rows, int r0) {
        int step = F.length();
        int bound = F.loopBound(cols);
        for (int b = 0; b < batch; b++) {
            int xo = b * cols;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            int c = 0;
            for (; c < bound; c += step) {
                FloatVector xv = FloatVector.fromArray(F, x, xo + c);
                a0 = FloatVector.fromArray(F, w, c).fma(xv, a0);
                a1 = FloatVector.fromArray(F, w, cols + c).fma(xv, a1);
                a2 = FloatVector.fromArray(F, w, 2 * cols + c).fma(xv, a2);
                a3 = FloatVector.fromArray(F, w, 3 * cols + c).fma(xv, a3);
            }
            float s0 = a0.reduceLanes(VectorOperators.ADD);
            float s1 = a1.reduceLanes(VectorOperators.ADD);
            float s2 = a2.reduceLanes(VectorOperators.ADD);
            float s3 = a3.reduceLanes(VectorOperators.ADD);
            for (; c < cols; c++) {
                float xc = x[xo + c];
                s0 += w[c] * xc;
                s1 += w[cols + c] * xc;
                s2 += w[2 * cols + c] * xc;
                s3 += w[3 * cols + c] * xc;
            }
            int o = b * rows + r0;
            out[o] = s0;
            out[o + 1] = s1;
            out[o + 2] = s2;
            out[o + 3] = s3;
        }
    }

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
}
