package dev.lopper.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Matrix × vectors: {@code out[b·rows + r] = Σ_c W[r][c] · x[b·cols + c]} for every row r and input vector b.
 *
 * <p>One input vector (decode) runs the type's {@link RowKernel}: each thread streams a contiguous chunk of rows
 * (or, for kernels that {@linkplain RowKernel#pairsRows pair rows}, two chunks half the matrix apart side by side)
 * straight from the mapped segment; the quantized types dot int8 blocks of the activations (made once per
 * {@link Activations}, whichever matrices read them). Several vectors (prompt processing) dequantize a tile of
 * {@value #TILE} rows once per thread (vectorized for the types with a {@link RowDequantizer}, bit-identical to
 * {@link BlockCodec#dequantize}) and multiply it in float with every vector of the batch, read in transposed form
 * ({@link Activations}, made once per input), as outer products of {@value #TILE} rows × two float vectors' worth
 * of batch vectors, so each weight is read and decoded once per batch.
 *
 * <p>Weights on the Java heap (tests, in-memory models) take the codec's exact float {@link BlockCodec#dot}
 * instead of the kernels, so that the kernels' segment accesses only ever see native segments (a second segment
 * class at those sites slows them down several times). One instance per thread pool user; not thread-safe; a
 * multiply allocates nothing once the activations' transposed form has grown to the largest batch.
 */
public final class MatMul {
    /** Rows per tile: dequantized once per thread and batch, then multiplied with every vector. */
    private static final int TILE = 6;
    /** Vectors of the batch per outer-product block: two float vectors' worth. */
    private static final int NB = 2 * FloatVector.SPECIES_PREFERRED.length();
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Weights below which a chunk is not worth handing to another thread. */
    private static final int MIN_WEIGHTS_PER_CHUNK = 1 << 16;

    private final ThreadPool pool;
    private final int maxCols;
    private final float[][] scratch;
    private final float[][] kernelScratch;
    private final float[][] accScratch;
    private Activations own;

    // The multiply in progress, read by the preallocated tasks below.
    private WeightMatrix w;
    private Activations a;
    private float[] out;
    private BlockCodec codec;
    private RowDequantizer dequantizer;
    private final ThreadPool.RangeTask exactRowsTask = this::exactRows;
    private final ThreadPool.RangeTask tilesTask = this::tiles;
    // The matrices of a one-vector multiply through the kernels: a group, or the one matrix in single[0].
    private WeightMatrix[] group;
    private float[][] groupOut;
    private final RowKernel[] groupKernels = new RowKernel[MAX_GROUP];
    private final WeightMatrix[] single = new WeightMatrix[1];
    private final float[][] singleOut = new float[1][];
    private final ThreadPool.RangeTask groupRowsTask = this::groupRows;
    /** Matrices one grouped multiply takes at most. */
    public static final int MAX_GROUP = 4;

    /** @param maxCols the longest row any matrix multiplied here has */
    public MatMul(ThreadPool pool, int maxCols) {
        this.pool = pool;
        this.maxCols = maxCols;
        this.scratch = new float[pool.size()][TILE * maxCols];
        this.kernelScratch = new float[pool.size()][RowKernel.SCRATCH];
        this.accScratch = new float[pool.size()][TILE * NB];
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
                if (k != null) {
                    single[0] = w;
                    singleOut[0] = out;
                    groupKernels[0] = k;
                    runKernels(single, singleOut, a, units(w, k));
                } else {
                    pool.parallelFor(rows, grain(cols), exactRowsTask);
                }
            } else {
                if (scratch[0].length < TILE * cols) {
                    throw new IllegalArgumentException("tensor '" + w.name() + "': rows of " + cols
                            + " exceed the scratch sized for " + scratch[0].length / TILE);
                }
                this.dequantizer = dequantizerFor(w);
                a.transpose(NB);
                pool.parallelFor((rows + TILE - 1) / TILE, 1, tilesTask);
            }
        } finally {
            this.w = null;
            this.a = null;
            this.out = null;
            this.codec = null;
            single[0] = null;
            singleOut[0] = null;
            this.dequantizer = null;
        }
    }

    /**
     * {@code outs[i] = ws[i] · a} for matrices that read the same input (Wq, Wk, Wv; Wgate, Wup). With one input
     * vector and kernels for all of them, their rows go to the threads as one range, so the group costs one
     * hand-out and one wait instead of one per matrix (decode issues seven multiplies per block); otherwise the
     * matrices are multiplied one by one. At most {@value #MAX_GROUP} matrices.
     */
    public void multiply(WeightMatrix[] ws, Activations a, float[][] outs) {
        if (ws.length != outs.length || ws.length > MAX_GROUP) {
            throw new IllegalArgumentException(ws.length + " matrices, " + outs.length + " outputs; at most "
                    + MAX_GROUP);
        }
        boolean fused = a.batch() == 1;
        int total = 0;
        for (int i = 0; i < ws.length && fused; i++) {
            RowKernel k = kernelFor(ws[i]);
            fused = k != null && ws[i].cols() == a.cols() && ws[i].rows() <= outs[i].length;
            groupKernels[i] = k;
            total += fused ? units(ws[i], k) : 0;
        }
        if (!fused) {
            for (int i = 0; i < ws.length; i++) {
                multiply(ws[i], a, outs[i]);
            }
            return;
        }
        runKernels(ws, outs, a, total);
    }

    /** Runs {@code groupKernels[i]} for {@code ws[i]} over the work units of all, laid end to end ({@code total}). */
    private void runKernels(WeightMatrix[] ws, float[][] outs, Activations a, int total) {
        for (int i = 0; i < ws.length; i++) {
            if (groupKernels[i].int8()) {
                a.quantize();
            }
        }
        this.group = ws;
        this.groupOut = outs;
        this.a = a;
        try {
            pool.parallelFor(total, grain(a.cols()), groupRowsTask);
        } finally {
            this.group = null;
            this.groupOut = null;
            this.a = null;
            Arrays.fill(groupKernels, null);
        }
    }

    /** Rows per chunk at least, for rows of {@code cols} weights. */
    private static int grain(int cols) {
        return Math.max(16, MIN_WEIGHTS_PER_CHUNK / cols);
    }

    /**
     * Work units of a matrix: its rows, or for a kernel that {@linkplain RowKernel#pairsRows pairs rows} unit u is
     * rows u and u + rows/2 (u < rows/2) and, for an odd row count, the last unit is the last row alone.
     */
    private static int units(WeightMatrix m, RowKernel k) {
        return k.pairsRows() ? (m.rows() + 1) / 2 : m.rows();
    }

    /** Units [start, end) of the group's units laid end to end ({@link #units}). */
    private void groupRows(int start, int end, int worker) {
        int base = 0;
        for (int i = 0; i < group.length && start < end; i++) {
            WeightMatrix m = group[i];
            RowKernel k = groupKernels[i];
            int units = units(m, k);
            if (start < base + units) {
                int s = start - base;
                int e = Math.min(end - base, units);
                long rb = m.rowBytes();
                if (k.pairsRows()) {
                    int h = m.rows() / 2;
                    int pairsEnd = Math.min(e, h);
                    if (s < pairsEnd) {
                        k.dotRowPairs(m.data(), s * rb, (s + h) * rb, rb, pairsEnd - s, a, 0, groupOut[i], s, s + h,
                                kernelScratch[worker]);
                    }
                    if (e > h) { // the last row of an odd count
                        k.dotRows(m.data(), 2L * h * rb, rb, 1, a, 0, groupOut[i], 2 * h, kernelScratch[worker]);
                    }
                } else {
                    k.dotRows(m.data(), s * rb, rb, e - s, a, 0, groupOut[i], s, kernelScratch[worker]);
                }
                start = base + e;
            }
            base += units;
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
        if (!Simd.ENABLED || !w.data().isNative() || !(w.codec() instanceof RowKernel narrow)) {
            return null;
        }
        RowKernel k = Simd.BITS >= 512 ? wide(w.codec().type(), narrow) : narrow;
        return k.int8() && w.cols() % Activations.QK != 0 ? null : k;
    }

    /** The 512-bit kernel of a type where one exists, else its 256-bit one. */
    private static RowKernel wide(dev.lopper.gguf.GgmlType type, RowKernel narrow) {
        return switch (type) {
            case Q4_0 -> Q4_0Kernel512.INSTANCE;
            default -> narrow;
        };
    }

    /** The vectorized row dequantizer for this matrix (native segments only, as the kernels), or null. */
    static RowDequantizer dequantizerFor(WeightMatrix w) {
        return Simd.ENABLED && w.data().isNative() && w.codec() instanceof RowDequantizer d ? d : null;
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
        float[] acc = accScratch[worker];
        int rows = w.rows();
        int cols = w.cols();
        int batch = a.batch();
        float[] xt = a.xt;
        int stride = a.stride;
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
            for (int b0 = 0; b0 < batch; b0 += NB) {
                if (nr == TILE) {
                    tile6(rowsBuf, cols, xt, stride, b0, acc);
                } else {
                    for (int i = 0; i < nr; i++) {
                        tile1(rowsBuf, i * cols, cols, xt, stride, b0, acc, i * NB);
                    }
                }
                int nb = Math.min(NB, batch - b0);
                for (int i = 0; i < nr; i++) {
                    for (int j = 0; j < nb; j++) {
                        out[(b0 + j) * rows + r0 + i] = acc[i * NB + j];
                    }
                }
            }
        }
    }

    /**
     * Six dequantized rows times {@link #NB} vectors of the batch, as outer products: for each column c, the six
     * weights w[i][c] broadcast against the transposed activations xt[c][b0 ..] (two vectors); twelve accumulators
     * hold out[b][r0+i] directly, so there are no horizontal sums, and each load feeds two or six FMAs. (With the
     * two x vectors and the broadcast that is 15 of AVX2's 16 registers; more spill.) The tile stays in L1/L2
     * while the batch blocks pass; xt streams from L2.
     */
    private static void tile6(float[] w, int cols, float[] xt, int stride, int b0, float[] acc) {
        FloatVector a00 = FloatVector.zero(F);
        FloatVector a01 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F);
        FloatVector a11 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F);
        FloatVector a21 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F);
        FloatVector a31 = FloatVector.zero(F);
        FloatVector a40 = FloatVector.zero(F);
        FloatVector a41 = FloatVector.zero(F);
        FloatVector a50 = FloatVector.zero(F);
        FloatVector a51 = FloatVector.zero(F);
        int half = F.length();
        for (int c = 0, xo = b0; c < cols; c++, xo += stride) {
            FloatVector x0 = FloatVector.fromArray(F, xt, xo);
            FloatVector x1 = FloatVector.fromArray(F, xt, xo + half);
            FloatVector wv;
            wv = FloatVector.broadcast(F, w[c]);
            a00 = wv.fma(x0, a00);
            a01 = wv.fma(x1, a01);
            wv = FloatVector.broadcast(F, w[cols + c]);
            a10 = wv.fma(x0, a10);
            a11 = wv.fma(x1, a11);
            wv = FloatVector.broadcast(F, w[2 * cols + c]);
            a20 = wv.fma(x0, a20);
            a21 = wv.fma(x1, a21);
            wv = FloatVector.broadcast(F, w[3 * cols + c]);
            a30 = wv.fma(x0, a30);
            a31 = wv.fma(x1, a31);
            wv = FloatVector.broadcast(F, w[4 * cols + c]);
            a40 = wv.fma(x0, a40);
            a41 = wv.fma(x1, a41);
            wv = FloatVector.broadcast(F, w[5 * cols + c]);
            a50 = wv.fma(x0, a50);
            a51 = wv.fma(x1, a51);
        }
        a00.intoArray(acc, 0);
        a01.intoArray(acc, half);
        a10.intoArray(acc, NB);
        a11.intoArray(acc, NB + half);
        a20.intoArray(acc, 2 * NB);
        a21.intoArray(acc, 2 * NB + half);
        a30.intoArray(acc, 3 * NB);
        a31.intoArray(acc, 3 * NB + half);
        a40.intoArray(acc, 4 * NB);
        a41.intoArray(acc, 4 * NB + half);
        a50.intoArray(acc, 5 * NB);
        a51.intoArray(acc, 5 * NB + half);
    }

    /** One dequantized row (from {@code wo}) times {@link #NB} vectors of the batch, into acc[ao ..]. */
    private static void tile1(float[] w, int wo, int cols, float[] xt, int stride, int b0, float[] acc, int ao) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        int half = F.length();
        for (int c = 0, xo = b0; c < cols; c++, xo += stride) {
            FloatVector wv = FloatVector.broadcast(F, w[wo + c]);
            a0 = wv.fma(FloatVector.fromArray(F, xt, xo), a0);
            a1 = wv.fma(FloatVector.fromArray(F, xt, xo + half), a1);
        }
        a0.intoArray(acc, ao);
        a1.intoArray(acc, ao + half);
    }
}
