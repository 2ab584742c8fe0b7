package dev.lopper.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Several input vectors (prompt processing): each thread dequantizes a tile of {@value #TILE} rows once
 * (vectorized for the types with a {@link RowDequantizer}, bit-identical to {@link BlockCodec#dequantize}) and
 * multiplies it in float with every vector of the batch, read in transposed form ({@link Activations#transpose}),
 * as outer products of {@value #TILE} rows × two float vectors' worth of batch vectors, so each weight is read and
 * decoded once per batch. Exact: no int8 rounding of the activations.
 */
final class PrefillTiles implements ThreadPool.RangeTask {
    /** Rows per tile: dequantized once per thread and batch, then multiplied with every vector. */
    static final int TILE = 6;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Vectors of the batch per outer-product block: two float vectors' worth. */
    static final int NB = 2 * F.length();

    private final float[][] scratch;
    private final float[][] accScratch;

    // The multiply in progress (set by run, read by the workers it starts).
    private WeightMatrix w;
    private Activations a;
    private float[] out;
    private RowDequantizer dequantizer;

    PrefillTiles(int workers, int maxCols) {
        this.scratch = new float[workers][TILE * maxCols];
        this.accScratch = new float[workers][TILE * NB];
    }

    /** {@code out[b·rows + r] = W[r] · a[b]} for every row and vector, over the pool. */
    void run(ThreadPool pool, WeightMatrix w, Activations a, float[] out) {
        if (scratch[0].length < TILE * w.cols()) {
            throw new IllegalArgumentException("tensor '" + w.name() + "': rows of " + w.cols()
                    + " exceed the scratch sized for " + scratch[0].length / TILE);
        }
        this.w = w;
        this.a = a;
        this.out = out;
        this.dequantizer = MatMul.dequantizerFor(w);
        a.transpose(NB);
        pool.parallelFor((w.rows() + TILE - 1) / TILE, 1, this);
    }

    @Override
    public void run(int start, int end, int worker) {
        float[] rowsBuf = scratch[worker];
        float[] acc = accScratch[worker];
        BlockCodec codec = w.codec();
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
