package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.lopper.quant.LittleEndian.f16;
import static dev.lopper.quant.LittleEndian.putF16;
import static dev.lopper.quant.LittleEndian.u8;

/**
 * IQ4_NL — ggml-common.h {@code block_iq4_nl}: 32 weights in 18 bytes (4.5 bits/weight), 4-bit indices into a
 * fixed non-linear table ({@code kvalues_iq4nl}).
 * <pre>
 * struct block_iq4_nl {        // offset
 *     ggml_half d;             //  0   scale
 *     uint8_t   qs[16];        //  2   q[j] in the low nibble, q[j+16] in the high nibble (as Q4_0)
 * };
 * w[j] = d · KVALUES[q[j]]
 * </pre>
 */
final class IQ4_NLCodec implements BlockCodec, BlockQuantizer, BlockFormat, RowKernel {

    static final IQ4_NLCodec INSTANCE = new IQ4_NLCodec();

    /** kvalues_iq4nl (ggml-common.h). */
    static final byte[] KVALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    private static final GgmlType TYPE = GgmlType.IQ4_NL;
    private static final int QK = 32;
    private static final int BYTES = 18;
    private static final int D = 0;
    private static final int QS = 2;

    private IQ4_NLCodec() {
    }

    @Override
    public GgmlType type() {
        return TYPE;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int n) {
        Blocks.dequantize(this, TYPE, src, offset, dst, dstOffset, n);
    }

    @Override
    public float dot(MemorySegment src, long offset, float[] x, int xOffset, int n) {
        return Blocks.dot(this, TYPE, src, offset, x, xOffset, n);
    }

    @Override
    public void quantize(float[] src, int srcOffset, int n, MemorySegment dst, long dstOffset) {
        Blocks.quantize(this, TYPE, src, srcOffset, n, dst, dstOffset);
    }

    @Override
    public void decodeBlocks(byte[] blocks, int count, float[] y, int yo) {
        for (int i = 0; i < count; i++) {
            decodeBlock(blocks, i * BYTES, y, yo + i * QK);
        }
    }

    private static void decodeBlock(byte[] b, int o, float[] y, int yo) {
        float d = f16(b, o + D);
        for (int j = 0; j < QK / 2; j++) {
            int q = u8(b, o + QS + j);
            y[yo + j] = d * KVALUES[q & 0xF];
            y[yo + j + QK / 2] = d * KVALUES[q >>> 4];
        }
    }

    /**
     * quantize_iq4_nl without quant weights, i.e. what llama-quantize writes (quantize_row_iq4_nl_impl with one
     * 32-weight block and ntry = 7; the _ref variant uses ntry = −1): the best of 15 candidate scales, then the
     * indices re-picked for it.
     */
    @Override
    public void encodeBlock(float[] x, int xo, byte[] b) {
        int[] L = new int[QK];
        float d = bestBlockScale(x, xo, L, 0, 7);
        if (!(Math.abs(d) > 0)) { // all-zero block (or a degenerate NaN scale): every weight dequantizes to 0
            d = 0;
        }
        putF16(b, D, d);
        float id = d != 0 ? 1 / d : 0f;
        for (int j = 0; j < QK; j++) {
            L[j] = QuantMath.bestIndex(KVALUES, id * x[xo + j]);
        }
        packNibbles(L, 0, b, QS);
    }

    /**
     * The scale of one 32-weight block with its table indices in {@code L[lo..lo+31]}, trying {@code 2·ntry + 1}
     * candidate scales around the one that maps the largest magnitude to the table end (x²-weighted least squares,
     * as quantize_row_iq4_nl_impl without quant weights). Returns 0 for an all-zero block.
     */
    static float bestBlockScale(float[] x, int xo, int[] L, int lo, int ntry) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < QK; j++) {
            float ax = Math.abs(x[xo + j]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + j];
            }
        }
        if (amax < QuantMath.GROUP_MAX_EPS) {
            return 0f;
        }
        float d = ntry > 0 ? -max / KVALUES[0] : max / KVALUES[0];
        float id = 1 / d;
        float sumqx = 0;
        float sumq2 = 0;
        for (int j = 0; j < QK; j++) {
            float w = x[xo + j] * x[xo + j];
            int l = QuantMath.bestIndex(KVALUES, id * x[xo + j]);
            L[lo + j] = l;
            float q = KVALUES[l];
            sumqx += w * q * x[xo + j];
            sumq2 += w * q * q;
        }
        d = sumqx / sumq2;
        float best = d * sumqx;
        for (int itry = -ntry; itry <= ntry; itry++) {
            id = (itry + KVALUES[0]) / max;
            sumqx = 0;
            sumq2 = 0;
            for (int j = 0; j < QK; j++) {
                float w = x[xo + j] * x[xo + j];
                float q = KVALUES[QuantMath.bestIndex(KVALUES, id * x[xo + j])];
                sumqx += w * q * x[xo + j];
                sumq2 += w * q * q;
            }
            if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                d = sumqx / sumq2;
                best = d * sumqx;
            }
        }
        return d;
    }

    /** Packs 32 indices L[lo..lo+31] as 16 bytes at b[at..]: L[j] low nibble, L[j+16] high nibble. */
    static void packNibbles(int[] L, int lo, byte[] b, int at) {
        for (int j = 0; j < QK / 2; j++) {
            b[at + j] = (byte) (L[lo + j] | (L[lo + j + QK / 2] << 4));
        }
    }

    @Override
    public boolean int8() {
        return true;
    }

    /** Per block: the nibbles index the 16-entry table with a byte shuffle, then widen and multiply as Q8_0. */
    @Override
    public void dotRows(MemorySegment w, long offset, long rowBytes, int n, Activations a, int ab, float[] out,
                        int outOff, float[] tmp) {
        int nb = a.cols / QK;
        short[] xq = a.q;
        float[] xs = a.scale;
        ByteVector table = ByteVector.fromArray(Lanes256.B128, KVALUES, 0);
        for (int r = 0; r < n; r++) {
            long row = offset + r * rowBytes;
            int xb0 = ab * nb;
            FloatVector acc = FloatVector.zero(Lanes256.F);
            for (int b = 0; b < nb; b++) {
                long off = row + (long) b * BYTES;
                int xb = xb0 + b;
                float d = Lanes256.f16(w, off + D) * xs[xb];
                int xo = xb * QK;
                ByteVector q = ByteVector.fromMemorySegment(Lanes256.B128, w, off + QS, LittleEndian.ORDER);
                ShortVector p = Lanes256.lookup(q.and((byte) 0xF), table).mul(ShortVector.fromArray(Lanes256.S, xq, xo))
                        .add(Lanes256.lookup(q.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF), table)
                                .mul(ShortVector.fromArray(Lanes256.S, xq, xo + 16)));
                acc = Lanes256.pairSumWide(p).fma(FloatVector.broadcast(Lanes256.F, d), acc);
            }
            out[outOff + r] = acc.reduceLanes(VectorOperators.ADD);
        }
    }
}
