package dev.lopper.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The input of one or more matrix multiplies: {@code batch} activation vectors of {@code cols} floats, and — made
 * on first demand, once however many matrices read them — their int8 form: blocks of 32 values with a float scale
 * each, {@code x ≈ scale · q}, {@code q = round(x / scale) ∈ [−127, 127]}, {@code scale = max|x| / 127} (ggml's
 * {@code block_q8_0}, except that the scale stays a float instead of being rounded to a half) for the decode kernels,
 * or their transposed form (column-major, batch padded with zeros) or token-tiled form ({@link #tile}, for repacked
 * matrices) for the batched multiply.
 *
 * <p>Prepare once per input with {@link #set} and pass to every {@link MatMul#multiply(WeightMatrix, Activations,
 * float[])} that reads it (Wq, Wk and Wv share one; so do Wgate and Wup). The float array is referenced, not
 * copied: it must not change until the last multiply with this input is done. Not thread-safe; the kernels only
 * read it. Nothing is allocated after construction except the arrays of the transposed and the token-tiled forms,
 * each on the first batch larger than any before.
 */
public final class Activations {

    /** Values per int8 block. */
    static final int QK = 32;
    /** Room after the per-block arrays for one 16-lane load from their last element. */
    private static final int PAD = 16;

    private final int maxElements;
    /** The int8 values, widened to shorts so that the kernels load them straight into 16-bit lanes. */
    final short[] q;
    /**
     * Rows longer than this also get their int8 values as bytes ({@link #q8}): beyond ~12 KiB the 16-bit activations
     * stop fitting in L1 beside the weight stream, and reading bytes (one more widening per 16 activations) is then
     * faster. The measurements behind the threshold are in docs/quant-types.md ("Long rows").
     */
    static final int WIDE = 6144;
    /** The same int8 values as bytes, made only for rows longer than {@link #WIDE} (read by Q8_0's kernel). */
    final byte[] q8;
    /** One scale per 32-value block. */
    final float[] scale;
    /** The scale of each 16 values (each block's scale twice), for kernels with a weight scale per 16. */
    final float[] scale16;
    /** scale · Σ q over each 32-value block: the sum of the rounded values, for offset and min terms. */
    final float[] sum32;
    /** scale · Σ q over each 16 values (Q2_K's mins are per 16 weights). */
    final float[] sum16;

    /**
     * For the 512-bit 4-bit kernels ({@link RowKernel#BITS} = 512), per pair of blocks (2k, 2k+1) of each vector, in 64
     * shorts at {@code 32·(first block)}: values 0..15 of block 2k, 0..15 of block 2k+1, 16..31 of 2k, 16..31 of
     * 2k+1 — the order in which one 512-bit vector holds the low nibbles of two Q4 blocks, then the high ones. An odd
     * last block of a vector is not paired (the kernels read it from {@link #q}).
     */
    final short[] q4;
    /**
     * Per block: Σ q, for Q4_0's −8 (the 512-bit kernel and the repacked kernels; padded: a 512-bit load from the
     * last block stays in the array).
     */
    final int[] qsum;

    float[] x;
    int cols;
    int batch;
    private boolean quantized;
    /** The transposed form for batched multiplies: {@code xt[c·stride + b] = x[b·cols + c]}, zero for b ≥ batch. */
    float[] xt = new float[0];
    /** Row length of {@link #xt}: the batch rounded up to a multiple of {@code MatMul}'s batch block. */
    int stride;
    private boolean transposed;
    /**
     * The token-tiled form for the batched multiply of repacked matrices: tokens in tiles of {@link #tileTokens},
     * each tile column-major and contiguous, {@code xtiles[(b / T)·cols·T + c·T + b % T] = x[b·cols + c]}, zero for
     * b ≥ batch, so a tile's activations stream in order beside the weights.
     */
    float[] xtiles = new float[0];
    int tileTokens;

    /** Room for {@code maxBatch} vectors of up to {@code maxCols} values. */
    public Activations(int maxCols, int maxBatch) {
        if (maxCols < 1 || maxBatch < 1) {
            throw new IllegalArgumentException("activations of " + maxBatch + " x " + maxCols);
        }
        this.maxElements = Math.multiplyExact(maxCols, maxBatch);
        int padded = (maxElements + QK - 1) / QK * QK;
        this.q = new short[padded];
        this.q8 = new byte[maxCols > WIDE ? padded : 0];
        this.scale = new float[padded / QK + PAD];
        this.scale16 = new float[padded / 16];
        this.sum32 = new float[padded / QK + PAD];
        this.sum16 = new float[padded / 16];
        boolean paired = RowKernel.BITS >= 512;
        this.q4 = new short[paired ? padded : 0];
        this.qsum = new int[padded / QK + PAD];
    }

    /**
     * Takes {@code x[b·cols .. (b+1)·cols)} for {@code b < batch} as the input (referenced, not copied) and drops
     * the int8 form of the previous input. Returns this.
     */
    public Activations set(float[] x, int cols, int batch) {
        if (cols < 1 || batch < 1 || (long) cols * batch > maxElements || (long) cols * batch > x.length) {
            throw new IllegalArgumentException("input of " + batch + " x " + cols + " values in an array of "
                    + x.length + "; room for " + maxElements);
        }
        this.x = x;
        this.cols = cols;
        this.batch = batch;
        this.quantized = false;
        this.transposed = false;
        this.tileTokens = 0;
        return this;
    }

    /** Values this instance has room for (cols × batch). */
    public long capacity() {
        return maxElements;
    }

    public int cols() {
        return cols;
    }

    public int batch() {
        return batch;
    }

    /** The float values, {@code batch × cols}. */
    public float[] values() {
        return x;
    }

    /**
     * Makes the transposed form if this input has none yet, each row padded with zeros to a multiple of
     * {@code block} values. The array is allocated on the first call and grown only for a larger input.
     */
    void transpose(int block) {
        if (transposed) {
            return;
        }
        int s = (batch + block - 1) / block * block;
        if (xt.length < s * cols) {
            xt = new float[s * cols];
        }
        for (int c = 0; c < cols; c++) {
            int o = c * s;
            for (int b = 0; b < batch; b++) {
                xt[o + b] = x[b * cols + c];
            }
            for (int b = batch; b < s; b++) {
                xt[o + b] = 0;
            }
        }
        stride = s;
        transposed = true;
    }

    /** Makes the token-tiled form ({@link #xtiles}) for tiles of {@code tokens}, if this input has none yet. */
    void tile(int tokens) {
        if (tileTokens == tokens) {
            return;
        }
        int tiles = (batch + tokens - 1) / tokens;
        if (xtiles.length < tiles * tokens * cols) {
            xtiles = new float[tiles * tokens * cols];
        }
        for (int t = 0; t < tiles; t++) {
            int base = t * tokens * cols;
            for (int j = 0; j < tokens; j++) {
                int b = t * tokens + j;
                if (b < batch) {
                    for (int c = 0, xo = b * cols; c < cols; c++) {
                        xtiles[base + c * tokens + j] = x[xo + c];
                    }
                } else {
                    for (int c = 0; c < cols; c++) {
                        xtiles[base + c * tokens + j] = 0;
                    }
                }
            }
        }
        tileTokens = tokens;
    }

    /** Makes the int8 blocks if this input has none yet (cols must be a multiple of 32). */
    void quantize() {
        if (quantized) {
            return;
        }
        if (cols % QK != 0) {
            throw new IllegalStateException("int8 activations need rows of a multiple of 32 values, not " + cols);
        }
        int blocks = cols * batch / QK;
        for (int b = 0; b < blocks; b++) {
            quantizeBlock(x, b * QK, q, scale, sum32, sum16, qsum, b);
            scale16[2 * b] = scale[b];
            scale16[2 * b + 1] = scale[b];
        }
        if (cols > WIDE) {
            for (int i = 0; i < blocks * QK; i++) {
                q8[i] = (byte) q[i];
            }
        }
        if (q4.length > 0) {
            pair();
        }
        quantized = true;
    }

    /** Fills {@link #q4} from the int8 blocks. */
    private void pair() {
        int nb = cols / QK;
        for (int v = 0; v < batch; v++) {
            int first = v * nb;
            for (int b = 0; b + 1 < nb; b += 2) {
                int o = (first + b) * QK;
                System.arraycopy(q, o, q4, o, 16);
                System.arraycopy(q, o + QK, q4, o + 16, 16);
                System.arraycopy(q, o + 16, q4, o + 32, 16);
                System.arraycopy(q, o + QK + 16, q4, o + 48, 16);
            }
        }
    }

    private static void quantizeBlock(float[] x, int o, short[] q, float[] scale, float[] sum32, float[] sum16,
                                      int[] qsum, int b) {
        var f = Lanes256.F;
        FloatVector v0 = FloatVector.fromArray(f, x, o);
        FloatVector v1 = FloatVector.fromArray(f, x, o + 8);
        FloatVector v2 = FloatVector.fromArray(f, x, o + 16);
        FloatVector v3 = FloatVector.fromArray(f, x, o + 24);
        float amax = v0.abs().max(v1.abs()).max(v2.abs().max(v3.abs())).reduceLanes(VectorOperators.MAX);
        float d = amax / 127;
        float id = d != 0 ? 1 / d : 0;
        scale[b] = d;
        IntVector i0 = round(v0.mul(id));
        IntVector i1 = round(v1.mul(id));
        IntVector i2 = round(v2.mul(id));
        IntVector i3 = round(v3.mul(id));
        int s0 = i0.add(i1).reduceLanes(VectorOperators.ADD);
        int s1 = i2.add(i3).reduceLanes(VectorOperators.ADD);
        sum16[2 * b] = d * s0;
        sum16[2 * b + 1] = d * s1;
        sum32[b] = d * (s0 + s1);
        qsum[b] = s0 + s1;
        ((ShortVector) i0.convertShape(VectorOperators.I2S, Lanes256.S128, 0)).intoArray(q, o);
        ((ShortVector) i1.convertShape(VectorOperators.I2S, Lanes256.S128, 0)).intoArray(q, o + 8);
        ((ShortVector) i2.convertShape(VectorOperators.I2S, Lanes256.S128, 0)).intoArray(q, o + 16);
        ((ShortVector) i3.convertShape(VectorOperators.I2S, Lanes256.S128, 0)).intoArray(q, o + 24);
    }

    /** Rounds half away from zero (roundf), as ggml's reference quantizer; |v| ≤ 127 here. */
    private static IntVector round(FloatVector v) {
        FloatVector half = v.reinterpretAsInts().and(0x80000000).or(0x3f000000).reinterpretAsFloats();
        return (IntVector) v.add(half).convert(VectorOperators.F2I, 0);
    }
}
