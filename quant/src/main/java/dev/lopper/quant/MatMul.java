package dev.lopper.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix × vectors: {@code out[b·rows + r] = Σ_c W[r][c] · x[b·cols + c]} for every row r and input vector b.
 *
 * <p>One input vector (decode) runs the type's {@link RowKernel}: each thread streams a contiguous chunk of rows
 * straight from the mapped segment; the quantized types dot int8 blocks of the activations (made once per
 * {@link Activations}, whichever matrices read them). Several vectors (prompt processing) dequantize a tile of
 * {@value #TILE} rows once per thread (vectorized for the types with a {@link RowDequantizer}, bit-identical to
 * {@link BlockCodec#dequantize}) and multiply it with every vector in float, register-blocked
 * {@value #TILE} rows × 2 vectors over L1-sized column blocks, so each weight is read and decoded once per batch.
 *
 * <p>Weights on the Java heap (tests, in-memory models) take the codec's exact float {@link BlockCodec#dot}
 * instead of the kernels, so that the kernels' segment accesses only ever see native segments (a second segment
 * class at those sites slows them down several times). One instance per thread pool user; not thread-safe; a
 * multiply allocates nothing.
 */
public final class MatMul {
    private static final int TILE = 4;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Weights below which a chunk is not worth handing to another thread. */
    private static final int MIN_WEIGHTS_PER_CHUNK = 1 << 16;

    private final ThreadPool pool;
    private final int maxCols;
    private final float[][] scratch;
    private final float[][] kernelScratch;
    private Activations own;

    // The multiply in progress, read by the preallocated tasks below.
    private WeightMatrix w;
    private Activations a;
    private float[] out;
    private RowKernel kernel;
    private BlockCodec codec;
    private RowDequantizer dequantizer;
    private final ThreadPool.RangeTask rowsTask = this::rows;
    private final ThreadPool.RangeTask exactRowsTask = this::exactRows;
    private final ThreadPool.RangeTask tilesTask = this::tiles;

    /** @param maxCols the longest row any matrix multiplied here has */
    public MatMul(ThreadPool pool, int maxCols) {
        this.pool = pool;
        this.maxCols = maxCols;
        this.scratch = new float[pool.size()][TILE * maxCols];
        this.kernelScratch = new float[pool.size()][RowKernel.SCRATCH];
    }

    /** The pool the multiplies run on. */
    public ThreadPool pool() {
        return pool;
    }

    /**
     * Multiplies {@code batch} vectors {@code x[b·cols ..]}. Prepares an internal {@link Activations} on each call;
     * when several matrices read one input, prepare an {@code Activations} once and use
     * {@link #multiply(WeightMatrix, Activations, float[])}.
     */
    public void multiply(WeightMatrix w, float[] x, int batch, float[] out) {
        if (own == null || own.capacity() < (long) w.cols() * batch) {
            own = new Activations(Math.max(w.cols(), maxCols), batch);
        }
        multiply(w, own.set(x, w.cols(), batch), out);
    }

    /** {@code out[b·rows + r] = W[r] · a[b]} for every row and every vector of {@code a} (a.cols() == w.cols()). */
    public void multiply(WeightMatrix w, Activations a, float[] out) {
        int rows = w.rows();
        int cols = w.cols();
        int batch = a.batch();
        if (a.cols() != cols) {
            throw new IllegalArgumentException("tensor '" + w.name() + "' has rows of " + cols + " but the input has "
                    + a.cols() + " values");
        }
        if ((long) rows * batch > out.length) {
            throw new IllegalArgumentException("tensor '" + w.name() + "': " + batch + " x " + rows
                    + " outputs do not fit an array of " + out.length);
        }
        this.w = w;
        this.a = a;
        this.out = out;
        this.codec = w.codec();
        try {
            if (batch == 1) {
                RowKernel k = kernelFor(w);
                int grain = Math.max(16, MIN_WEIGHTS_PER_CHUNK / cols);
                if (k != null) {
                    if (k.int8()) {
                        a.quantize();
                    }
                    this.kernel = k;
                    pool.parallelFor(rows, grain, rowsTask);
                } else {
                    pool.parallelFor(rows, grain, exactRowsTask);
                }
            } else {
                if (scratch[0].length < TILE * cols) {
                    throw new IllegalArgumentException("tensor '" + w.name() + "': rows of " + cols
                            + " exceed the scratch sized for " + scratch[0].length / TILE);
                }
                this.dequantizer = dequantizerFor(w);
                pool.parallelFor((rows + TILE - 1) / TILE, 1, tilesTask);
            }
        } finally {
            this.w = null;
            this.a = null;
            this.out = null;
            this.kernel = null;
            this.codec = null;
            this.dequantizer = null;
        }
    }

    /**
     * Whether a one-vector multiply with this matrix rounds the activations to int8 blocks (its type has an int8
     * kernel and its weights are a native segment); otherwise it computes with the float activations.
     */
    public static boolean quantizesActivations(WeightMatrix w) {
        RowKernel k = kernelFor(w);
        return k != null && k.int8();
    }

    /** The vector kernel for this matrix, or null where the exact codec path runs instead. */
    static RowKernel kernelFor(WeightMatrix w) {
        if (!Simd.ENABLED || !w.data().isNative() || !(w.codec() instanceof RowKernel k)) {
            return null;
        }
        return k.int8() && w.cols() % Activations.QK != 0 ? null : k;
    }

    /** The vectorized row dequantizer for this matrix (native segments only, as the kernels), or null. */
    static RowDequantizer dequantizerFor(WeightMatrix w) {
        return Simd.ENABLED && w.data().isNative() && w.codec() instanceof RowDequantizer d ? d : null;
    }

    private void rows(int start, int end, int worker) {
        kernel.dotRows(w.data(), start * w.rowBytes(), w.rowBytes(), end - start, a, 0, out, start,
                kernelScratch[worker]);
    }

    private void exactRows(int start, int end, int worker) {
        long rowBytes = w.rowBytes();
        int cols = w.cols();
        for (int r = start; r < end; r++) {
            out[r] = codec.dot(w.data(), r * rowBytes, a.x, 0, cols);
        }
    }

    private void tiles(int start, int end, int worker) {
        float[] rowsBuf = scratch[worker];
        int rows = w.rows();
        int cols = w.cols();
        int batch = a.batch();
        float[] x = a.x;
        long rowBytes = w.rowBytes();
        for (int t = start; t < end; t++) {
            int r0 = t * TILE;
            int nr = Math.min(TILE, rows - r0);
            for (int i = 0; i < nr; i++) {
                if (dequantizer != null) {
                    dequantizer.dequantizeRow(w.data(), (r0 + i) * rowBytes, cols, rowsBuf, i * cols);
                } else {
                    codec.dequantize(w.data(), (r0 + i) * rowBytes, rowsBuf, i * cols, cols);
                }
            }
            if (nr == TILE) {
                tile4(rowsBuf, cols, x, batch, out, rows, r0);
            } else {
                for (int i = 0; i < nr; i++) {
                    for (int b = 0; b < batch; b++) {
                        out[b * rows + r0 + i] = Vec.dot(rowsBuf, i * cols, x, b * cols, cols);
                    }
                }
            }
        }
    }

    /** Columns per cache block of the tile product: 4 rows of it stay in L1 while every vector of the batch passes. */
    private static final int KC = 2048;

    /**
     * Four dequantized rows against every vector of the batch: column blocks of {@value #KC}, and within a block
     * 4 rows × 2 vectors per step (8 accumulators; each weight vector loaded once for two vectors, each x vector
     * once for four rows).
     */
    private static void tile4(float[] w, int cols, float[] x, int batch, float[] out, int rows, int r0) {
        for (int c0 = 0; c0 < cols; c0 += KC) {
            int c1 = Math.min(cols, c0 + KC);
            boolean first = c0 == 0;
            int b = 0;
            for (; b + 2 < batch; b += 3) {
                block4x3(w, cols, x, b * cols, (b + 1) * cols, (b + 2) * cols, c0, c1, out, b * rows + r0,
                        (b + 1) * rows + r0, (b + 2) * rows + r0, first);
            }
            for (; b + 1 < batch; b += 2) {
                block4x2(w, cols, x, b * cols, (b + 1) * cols, c0, c1, out, b * rows + r0, (b + 1) * rows + r0, first);
            }
            if (b < batch) {
                block4x1(w, cols, x, b * cols, c0, c1, out, b * rows + r0, first);
            }
        }
    }

    private static void block4x3(float[] w, int cols, float[] x, int xa, int xb, int xc, int c0, int c1, float[] out,
                                 int oa, int ob, int oc, boolean first) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F);
        FloatVector b1 = FloatVector.zero(F);
        FloatVector b2 = FloatVector.zero(F);
        FloatVector b3 = FloatVector.zero(F);
        FloatVector d0 = FloatVector.zero(F);
        FloatVector d1 = FloatVector.zero(F);
        FloatVector d2 = FloatVector.zero(F);
        FloatVector d3 = FloatVector.zero(F);
        int step = F.length();
        int c = c0;
        for (int bound = c0 + F.loopBound(c1 - c0); c < bound; c += step) {
            FloatVector xa_ = FloatVector.fromArray(F, x, xa + c);
            FloatVector xb_ = FloatVector.fromArray(F, x, xb + c);
            FloatVector xc_ = FloatVector.fromArray(F, x, xc + c);
            FloatVector wv = FloatVector.fromArray(F, w, c);
            a0 = wv.fma(xa_, a0);
            b0 = wv.fma(xb_, b0);
            d0 = wv.fma(xc_, d0);
            wv = FloatVector.fromArray(F, w, cols + c);
            a1 = wv.fma(xa_, a1);
            b1 = wv.fma(xb_, b1);
            d1 = wv.fma(xc_, d1);
            wv = FloatVector.fromArray(F, w, 2 * cols + c);
            a2 = wv.fma(xa_, a2);
            b2 = wv.fma(xb_, b2);
            d2 = wv.fma(xc_, d2);
            wv = FloatVector.fromArray(F, w, 3 * cols + c);
            a3 = wv.fma(xa_, a3);
            b3 = wv.fma(xb_, b3);
            d3 = wv.fma(xc_, d3);
        }
        finish(w, cols, x, xa, c, c1, out, oa, first, a0, a1, a2, a3);
        finish(w, cols, x, xb, c, c1, out, ob, first, b0, b1, b2, b3);
        finish(w, cols, x, xc, c, c1, out, oc, first, d0, d1, d2, d3);
    }

    /** Reduces four row accumulators, adds the scalar tail c..c1, stores or accumulates into out[o..o+3]. */
    private static void finish(float[] w, int cols, float[] x, int xa, int c, int c1, float[] out, int o,
                               boolean first, FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3) {
        float s0 = a0.reduceLanes(VectorOperators.ADD);
        float s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD);
        float s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; c < c1; c++) {
            float va = x[xa + c];
            s0 += w[c] * va;
            s1 += w[cols + c] * va;
            s2 += w[2 * cols + c] * va;
            s3 += w[3 * cols + c] * va;
        }
        if (first) {
            out[o] = s0;
            out[o + 1] = s1;
            out[o + 2] = s2;
            out[o + 3] = s3;
        } else {
            out[o] += s0;
            out[o + 1] += s1;
            out[o + 2] += s2;
            out[o + 3] += s3;
        }
    }

    private static void block4x2(float[] w, int cols, float[] x, int xa, int xb, int c0, int c1, float[] out,
                                 int oa, int ob, boolean first) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F);
        FloatVector b1 = FloatVector.zero(F);
        FloatVector b2 = FloatVector.zero(F);
        FloatVector b3 = FloatVector.zero(F);
        int step = F.length();
        int c = c0;
        for (int bound = c0 + F.loopBound(c1 - c0); c < bound; c += step) {
            FloatVector w0 = FloatVector.fromArray(F, w, c);
            FloatVector w1 = FloatVector.fromArray(F, w, cols + c);
            FloatVector w2 = FloatVector.fromArray(F, w, 2 * cols + c);
            FloatVector w3 = FloatVector.fromArray(F, w, 3 * cols + c);
            FloatVector xv = FloatVector.fromArray(F, x, xa + c);
            a0 = w0.fma(xv, a0);
            a1 = w1.fma(xv, a1);
            a2 = w2.fma(xv, a2);
            a3 = w3.fma(xv, a3);
            xv = FloatVector.fromArray(F, x, xb + c);
            b0 = w0.fma(xv, b0);
            b1 = w1.fma(xv, b1);
            b2 = w2.fma(xv, b2);
            b3 = w3.fma(xv, b3);
        }
        float sa0 = a0.reduceLanes(VectorOperators.ADD);
        float sa1 = a1.reduceLanes(VectorOperators.ADD);
        float sa2 = a2.reduceLanes(VectorOperators.ADD);
        float sa3 = a3.reduceLanes(VectorOperators.ADD);
        float sb0 = b0.reduceLanes(VectorOperators.ADD);
        float sb1 = b1.reduceLanes(VectorOperators.ADD);
        float sb2 = b2.reduceLanes(VectorOperators.ADD);
        float sb3 = b3.reduceLanes(VectorOperators.ADD);
        for (; c < c1; c++) { // rows whose length is not a multiple of the vector length
            float va = x[xa + c];
            float vb = x[xb + c];
            sa0 += w[c] * va;
            sa1 += w[cols + c] * va;
            sa2 += w[2 * cols + c] * va;
            sa3 += w[3 * cols + c] * va;
            sb0 += w[c] * vb;
            sb1 += w[cols + c] * vb;
            sb2 += w[2 * cols + c] * vb;
            sb3 += w[3 * cols + c] * vb;
        }
        if (first) {
            out[oa] = sa0;
            out[oa + 1] = sa1;
            out[oa + 2] = sa2;
            out[oa + 3] = sa3;
            out[ob] = sb0;
            out[ob + 1] = sb1;
            out[ob + 2] = sb2;
            out[ob + 3] = sb3;
        } else {
            out[oa] += sa0;
            out[oa + 1] += sa1;
            out[oa + 2] += sa2;
            out[oa + 3] += sa3;
            out[ob] += sb0;
            out[ob + 1] += sb1;
            out[ob + 2] += sb2;
            out[ob + 3] += sb3;
        }
    }

    private static void block4x1(float[] w, int cols, float[] x, int xa, int c0, int c1, float[] out, int oa,
                                 boolean first) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        int step = F.length();
        int c = c0;
        for (int bound = c0 + F.loopBound(c1 - c0); c < bound; c += step) {
            FloatVector xv = FloatVector.fromArray(F, x, xa + c);
            a0 = FloatVector.fromArray(F, w, c).fma(xv, a0);
            a1 = FloatVector.fromArray(F, w, cols + c).fma(xv, a1);
            a2 = FloatVector.fromArray(F, w, 2 * cols + c).fma(xv, a2);
            a3 = FloatVector.fromArray(F, w, 3 * cols + c).fma(xv, a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD);
        float s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD);
        float s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; c < c1; c++) {
            float va = x[xa + c];
            s0 += w[c] * va;
            s1 += w[cols + c] * va;
            s2 += w[2 * cols + c] * va;
            s3 += w[3 * cols + c] * va;
        }
        if (first) {
            out[oa] = s0;
            out[oa + 1] = s1;
            out[oa + 2] = s2;
            out[oa + 3] = s3;
        } else {
            out[oa] += s0;
            out[oa + 1] += s1;
            out[oa + 2] += s2;
            out[oa + 3] += s3;
        }
    }
}
