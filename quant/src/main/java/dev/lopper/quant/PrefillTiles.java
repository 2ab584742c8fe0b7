package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;
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
    /**
     * With 512-bit vectors (32 registers) and a batch larger than {@link #NB}: four float vectors' worth, 24
     * accumulators, so each weight broadcast feeds four FMAs instead of two (fewer loads per FMA).
     */
    static final int WIDE_NB = 4 * F.length();
    private static final boolean WIDE = F.length() >= 16;

    private final float[][] scratch;
    private final float[][] accScratch;
    /** Per worker: one dequantized 32-row group of a repacked matrix, column by column (made on first use). */
    private final float[][] groupScratch;
    private final int maxCols;
    private final ThreadPool.RangeTask groups = this::runGroups;

    // The multiply in progress (set by run, read by the workers it starts).
    private WeightMatrix w;
    private Activations a;
    private float[] out;
    private RowDequantizer dequantizer;
    private int block;

    PrefillTiles(int workers, int maxCols) {
        this.scratch = new float[workers][TILE * maxCols];
        this.accScratch = new float[workers][TILE * (WIDE ? WIDE_NB : NB)];
        this.groupScratch = new float[workers][];
        this.maxCols = maxCols;
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
        this.block = WIDE && a.batch() > NB ? WIDE_NB : NB;
        if (w.layout() == WeightMatrix.Layout.ROWS32) {
            a.tile(COLUMN_TOKENS);
            if (groupScratch[0] == null) {
                for (int i = 0; i < groupScratch.length; i++) {
                    groupScratch[i] = new float[Rows32.ROWS * maxCols];
                }
            }
            pool.parallelFor(w.rows() / Rows32.ROWS, 1, groups);
        } else {
            a.transpose(block);
            pool.parallelFor((w.rows() + TILE - 1) / TILE, 1, this);
        }
    }

    /**
     * Groups [start, end) of a {@link Rows32} matrix: each dequantized once, column by column (32 rows of a
     * column side by side), then multiplied by the column tiles ({@link #columnTile12}, {@link #columnTile6}):
     * rows in the vector lanes, tokens broadcast.
     */
    private void runGroups(int start, int end, int worker) {
        float[] wt = groupScratch[worker];
        int rows = w.rows();
        int cols = w.cols();
        int batch = a.batch();
        float[] xs = a.xtiles;
        long groupBytes = Rows32.ROWS * w.rowBytes();
        for (int g = start; g < end; g++) {
            if (w.type() == GgmlType.Q4_0) {
                Q4_0Rows32.dequantizeGroup(w.data(), g * groupBytes, cols, wt);
            } else {
                Q8_0Rows32.dequantizeGroup(w.data(), g * groupBytes, cols, wt);
            }
            int r0 = g * Rows32.ROWS;
            for (int r = 0; r < Rows32.ROWS; r += 2 * F.length()) {
                for (int t = 0; t < batch; t += COLUMN_TOKENS) {
                    int n = Math.min(COLUMN_TOKENS, batch - t);
                    if (n <= 6) { // a last tile of at most six tokens: half the padding of a twelve-token tile
                        columnTile6(wt, r, cols, xs, t * cols, n, out, t * rows + r0 + r, rows);
                    } else {
                        columnTile12(wt, r, cols, xs, t * cols, n, out, t * rows + r0 + r, rows);
                    }
                }
            }
        }
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
            for (int b0 = 0; b0 < batch; b0 += block) {
                if (nr == TILE && block == WIDE_NB) {
                    tile6x4(rowsBuf, cols, xt, stride, b0, acc);
                } else if (nr == TILE) {
                    tile6(rowsBuf, cols, xt, stride, b0, acc);
                } else {
                    for (int i = 0; i < nr; i++) {
                        for (int h = 0; h < block; h += NB) {
                            tile1(rowsBuf, i * cols, cols, xt, stride, b0 + h, acc, i * block + h);
                        }
                    }
                }
                int nb = Math.min(block, batch - b0);
                for (int i = 0; i < nr; i++) {
                    for (int j = 0; j < nb; j++) {
                        out[(b0 + j) * rows + r0 + i] = acc[i * block + j];
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

    /**
     * {@link #tile6} with four vectors of batch values ({@link #WIDE_NB}): 24 accumulators, the four x vectors and
     * the broadcast fill 29 of AVX-512's 32 registers; 10 loads per 24 FMAs instead of 8 per 12.
     */
    private static void tile6x4(float[] w, int cols, float[] xt, int stride, int b0, float[] acc) {
        int v = F.length();
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F), a02 = FloatVector.zero(F), a03 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F), a12 = FloatVector.zero(F), a13 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F), a22 = FloatVector.zero(F), a23 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F), a32 = FloatVector.zero(F), a33 = FloatVector.zero(F);
        FloatVector a40 = FloatVector.zero(F), a41 = FloatVector.zero(F), a42 = FloatVector.zero(F), a43 = FloatVector.zero(F);
        FloatVector a50 = FloatVector.zero(F), a51 = FloatVector.zero(F), a52 = FloatVector.zero(F), a53 = FloatVector.zero(F);
        for (int c = 0, xo = b0; c < cols; c++, xo += stride) {
            FloatVector x0 = FloatVector.fromArray(F, xt, xo);
            FloatVector x1 = FloatVector.fromArray(F, xt, xo + v);
            FloatVector x2 = FloatVector.fromArray(F, xt, xo + 2 * v);
            FloatVector x3 = FloatVector.fromArray(F, xt, xo + 3 * v);
            FloatVector wv;
            wv = FloatVector.broadcast(F, w[c]);
            a00 = wv.fma(x0, a00);
            a01 = wv.fma(x1, a01);
            a02 = wv.fma(x2, a02);
            a03 = wv.fma(x3, a03);
            wv = FloatVector.broadcast(F, w[cols + c]);
            a10 = wv.fma(x0, a10);
            a11 = wv.fma(x1, a11);
            a12 = wv.fma(x2, a12);
            a13 = wv.fma(x3, a13);
            wv = FloatVector.broadcast(F, w[2 * cols + c]);
            a20 = wv.fma(x0, a20);
            a21 = wv.fma(x1, a21);
            a22 = wv.fma(x2, a22);
            a23 = wv.fma(x3, a23);
            wv = FloatVector.broadcast(F, w[3 * cols + c]);
            a30 = wv.fma(x0, a30);
            a31 = wv.fma(x1, a31);
            a32 = wv.fma(x2, a32);
            a33 = wv.fma(x3, a33);
            wv = FloatVector.broadcast(F, w[4 * cols + c]);
            a40 = wv.fma(x0, a40);
            a41 = wv.fma(x1, a41);
            a42 = wv.fma(x2, a42);
            a43 = wv.fma(x3, a43);
            wv = FloatVector.broadcast(F, w[5 * cols + c]);
            a50 = wv.fma(x0, a50);
            a51 = wv.fma(x1, a51);
            a52 = wv.fma(x2, a52);
            a53 = wv.fma(x3, a53);
        }
        a00.intoArray(acc, 0);
        a01.intoArray(acc, v);
        a02.intoArray(acc, 2 * v);
        a03.intoArray(acc, 3 * v);
        a10.intoArray(acc, WIDE_NB);
        a11.intoArray(acc, WIDE_NB + v);
        a12.intoArray(acc, WIDE_NB + 2 * v);
        a13.intoArray(acc, WIDE_NB + 3 * v);
        a20.intoArray(acc, 2 * WIDE_NB);
        a21.intoArray(acc, 2 * WIDE_NB + v);
        a22.intoArray(acc, 2 * WIDE_NB + 2 * v);
        a23.intoArray(acc, 2 * WIDE_NB + 3 * v);
        a30.intoArray(acc, 3 * WIDE_NB);
        a31.intoArray(acc, 3 * WIDE_NB + v);
        a32.intoArray(acc, 3 * WIDE_NB + 2 * v);
        a33.intoArray(acc, 3 * WIDE_NB + 3 * v);
        a40.intoArray(acc, 4 * WIDE_NB);
        a41.intoArray(acc, 4 * WIDE_NB + v);
        a42.intoArray(acc, 4 * WIDE_NB + 2 * v);
        a43.intoArray(acc, 4 * WIDE_NB + 3 * v);
        a50.intoArray(acc, 5 * WIDE_NB);
        a51.intoArray(acc, 5 * WIDE_NB + v);
        a52.intoArray(acc, 5 * WIDE_NB + 2 * v);
        a53.intoArray(acc, 5 * WIDE_NB + 3 * v);
    }

    /**
     * Tokens per tile of the token-tiled activations: twelve with 512-bit vectors (32 registers), six with 256-bit
     * ones (16 on AVX2).
     */
    static final int COLUMN_TOKENS = WIDE ? 12 : 6;

    /**
     * Six tokens from a tile of {@link #COLUMN_TOKENS}, the column tiles' smaller form: two float vectors' worth of
     * rows of a group dequantized column by column ({@code wt[c·32 + r ..]}) times the tile's tokens
     * ({@link Activations#xtiles} from {@code xo}): for each column c, the two weight vectors times each token's
     * x[t][c] broadcast; each accumulator is a run of rows of one token's output, stored straight to
     * {@code out[o + j·rows ..]} for the {@code n} real tokens (padding tokens are computed and dropped). Twelve
     * accumulators, two weight vectors and a broadcast: 15 registers. The sums run over c in order from zero, as in
     * the row tiles, so both layouts give the same bits.
     */
    private static void columnTile6(float[] wt, int r, int cols, float[] xs, int xo, int n, float[] out, int o,
                                    int rows) {
        int v = F.length();
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F);
        FloatVector a40 = FloatVector.zero(F), a41 = FloatVector.zero(F);
        FloatVector a50 = FloatVector.zero(F), a51 = FloatVector.zero(F);
        for (int c = 0; c < cols; c++) { // every index linear in c, so C2 hoists the range checks
            int xc = xo + COLUMN_TOKENS * c; // within a tile of COLUMN_TOKENS (6 or 12) tokens
            FloatVector w0 = FloatVector.fromArray(F, wt, c * Rows32.ROWS + r);
            FloatVector w1 = FloatVector.fromArray(F, wt, c * Rows32.ROWS + r + v);
            FloatVector x;
            x = FloatVector.broadcast(F, xs[xc]);
            a00 = w0.fma(x, a00);
            a01 = w1.fma(x, a01);
            x = FloatVector.broadcast(F, xs[xc + 1]);
            a10 = w0.fma(x, a10);
            a11 = w1.fma(x, a11);
            x = FloatVector.broadcast(F, xs[xc + 2]);
            a20 = w0.fma(x, a20);
            a21 = w1.fma(x, a21);
            x = FloatVector.broadcast(F, xs[xc + 3]);
            a30 = w0.fma(x, a30);
            a31 = w1.fma(x, a31);
            x = FloatVector.broadcast(F, xs[xc + 4]);
            a40 = w0.fma(x, a40);
            a41 = w1.fma(x, a41);
            x = FloatVector.broadcast(F, xs[xc + 5]);
            a50 = w0.fma(x, a50);
            a51 = w1.fma(x, a51);
        }
        {
            a00.intoArray(out, o);
            a01.intoArray(out, o + v);
        }
        if (n > 1) {
            a10.intoArray(out, o + rows);
            a11.intoArray(out, o + rows + v);
        }
        if (n > 2) {
            a20.intoArray(out, o + 2 * rows);
            a21.intoArray(out, o + 2 * rows + v);
        }
        if (n > 3) {
            a30.intoArray(out, o + 3 * rows);
            a31.intoArray(out, o + 3 * rows + v);
        }
        if (n > 4) {
            a40.intoArray(out, o + 4 * rows);
            a41.intoArray(out, o + 4 * rows + v);
        }
        if (n > 5) {
            a50.intoArray(out, o + 5 * rows);
            a51.intoArray(out, o + 5 * rows + v);
        }
    }

    /** Twelve tokens (512 bits only): 24 accumulators, so each weight vector feeds twelve FMAs. */
    private static void columnTile12(float[] wt, int r, int cols, float[] xs, int xo, int n, float[] out, int o,
                                     int rows) {
        int v = F.length();
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F);
        FloatVector a40 = FloatVector.zero(F), a41 = FloatVector.zero(F);
        FloatVector a50 = FloatVector.zero(F), a51 = FloatVector.zero(F);
        FloatVector a60 = FloatVector.zero(F), a61 = FloatVector.zero(F);
        FloatVector a70 = FloatVector.zero(F), a71 = FloatVector.zero(F);
        FloatVector a80 = FloatVector.zero(F), a81 = FloatVector.zero(F);
        FloatVector a90 = FloatVector.zero(F), a91 = FloatVector.zero(F);
        FloatVector aA0 = FloatVector.zero(F), aA1 = FloatVector.zero(F);
        FloatVector aB0 = FloatVector.zero(F), aB1 = FloatVector.zero(F);
        for (int c = 0; c < cols; c++) { // every index linear in c, so C2 hoists the range checks
            int xc = xo + 12 * c;
            FloatVector w0 = FloatVector.fromArray(F, wt, c * Rows32.ROWS + r);
            FloatVector w1 = FloatVector.fromArray(F, wt, c * Rows32.ROWS + r + v);
            FloatVector x;
            x = FloatVector.broadcast(F, xs[xc]);
            a00 = w0.fma(x, a00);
            a01 = w1.fma(x, a01);
            x = FloatVector.broadcast(F, xs[xc + 1]);
            a10 = w0.fma(x, a10);
            a11 = w1.fma(x, a11);
            x = FloatVector.broadcast(F, xs[xc + 2]);
            a20 = w0.fma(x, a20);
            a21 = w1.fma(x, a21);
            x = FloatVector.broadcast(F, xs[xc + 3]);
            a30 = w0.fma(x, a30);
            a31 = w1.fma(x, a31);
            x = FloatVector.broadcast(F, xs[xc + 4]);
            a40 = w0.fma(x, a40);
            a41 = w1.fma(x, a41);
            x = FloatVector.broadcast(F, xs[xc + 5]);
            a50 = w0.fma(x, a50);
            a51 = w1.fma(x, a51);
            x = FloatVector.broadcast(F, xs[xc + 6]);
            a60 = w0.fma(x, a60);
            a61 = w1.fma(x, a61);
            x = FloatVector.broadcast(F, xs[xc + 7]);
            a70 = w0.fma(x, a70);
            a71 = w1.fma(x, a71);
            x = FloatVector.broadcast(F, xs[xc + 8]);
            a80 = w0.fma(x, a80);
            a81 = w1.fma(x, a81);
            x = FloatVector.broadcast(F, xs[xc + 9]);
            a90 = w0.fma(x, a90);
            a91 = w1.fma(x, a91);
            x = FloatVector.broadcast(F, xs[xc + 10]);
            aA0 = w0.fma(x, aA0);
            aA1 = w1.fma(x, aA1);
            x = FloatVector.broadcast(F, xs[xc + 11]);
            aB0 = w0.fma(x, aB0);
            aB1 = w1.fma(x, aB1);
        }
        {
            a00.intoArray(out, o);
            a01.intoArray(out, o + v);
        }
        if (n > 1) {
            a10.intoArray(out, o + rows);
            a11.intoArray(out, o + rows + v);
        }
        if (n > 2) {
            a20.intoArray(out, o + 2 * rows);
            a21.intoArray(out, o + 2 * rows + v);
        }
        if (n > 3) {
            a30.intoArray(out, o + 3 * rows);
            a31.intoArray(out, o + 3 * rows + v);
        }
        if (n > 4) {
            a40.intoArray(out, o + 4 * rows);
            a41.intoArray(out, o + 4 * rows + v);
        }
        if (n > 5) {
            a50.intoArray(out, o + 5 * rows);
            a51.intoArray(out, o + 5 * rows + v);
        }
        if (n > 6) {
            a60.intoArray(out, o + 6 * rows);
            a61.intoArray(out, o + 6 * rows + v);
        }
        if (n > 7) {
            a70.intoArray(out, o + 7 * rows);
            a71.intoArray(out, o + 7 * rows + v);
        }
        if (n > 8) {
            a80.intoArray(out, o + 8 * rows);
            a81.intoArray(out, o + 8 * rows + v);
        }
        if (n > 9) {
            a90.intoArray(out, o + 9 * rows);
            a91.intoArray(out, o + 9 * rows + v);
        }
        if (n > 10) {
            aA0.intoArray(out, o + 10 * rows);
            aA1.intoArray(out, o + 10 * rows + v);
        }
        if (n > 11) {
            aB0.intoArray(out, o + 11 * rows);
            aB1.intoArray(out, o + 11 * rows + v);
        }
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
