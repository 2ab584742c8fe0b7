package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.lopper.quant.LittleEndian.f16;
import static dev.lopper.quant.LittleEndian.putF16;
import static dev.lopper.quant.LittleEndian.u8;

/**
 * Q4_1 — ggml-common.h {@code block_q4_1}: 32 weights in 20 bytes (5 bits/weight), scale and offset.
 * <pre>
 * struct block_q4_1 {          // offset
 *     ggml_half d;             //  0   scale
 *     ggml_half m;             //  2   min (offset)
 *     uint8_t   qs[16];        //  4   q[j] in the low nibble, q[j+16] in the high nibble
 * };
 * w[j] = d · q[j] + m,  q[j] ∈ [0, 15]
 * </pre>
 */
final class Q4_1Codec implements BlockCodec, BlockQuantizer, BlockFormat, RowKernel {

    static final Q4_1Codec INSTANCE = new Q4_1Codec();

    private static final GgmlType TYPE = GgmlType.Q4_1;
    private static final int QK = 32;
    private static final int BYTES = 20;
    private static final int D = 0;
    private static final int M = 2;
    private static final int QS = 4;

    private Q4_1Codec() {
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
        float m = f16(b, o + M);
        for (int j = 0; j < QK / 2; j++) {
            int q = u8(b, o + QS + j);
            y[yo + j] = (q & 0xF) * d + m;
            y[yo + j + QK / 2] = (q >>> 4) * d + m;
        }
    }

    /** quantize_row_q4_1_ref: d = (max − min)/15, m = min. */
    @Override
    public void encodeBlock(float[] x, int xo, byte[] b) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < QK; j++) {
            min = Math.min(min, x[xo + j]);
            max = Math.max(max, x[xo + j]);
        }
        float d = (max - min) / 15;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(b, D, d);
        putF16(b, M, min);
        for (int j = 0; j < QK / 2; j++) {
            int q0 = Math.min(15, (byte) (int) ((x[xo + j] - min) * id + 0.5f));
            int q1 = Math.min(15, (byte) (int) ((x[xo + j + QK / 2] - min) * id + 0.5f));
            b[QS + j] = (byte) (q0 | (q1 << 4));
        }
    }

    @Override
    public boolean int8() {
        return true;
    }

    /** Σ over blocks [from, to) of the row at {@code row}, one 256-bit block per step (the 512-bit kernel's tail). */
    static float blocks(MemorySegment w, long row, int from, int to, Activations a, int xb) {
        FloatVector acc = FloatVector.zero(Lanes256.F);
        float offsets = 0;
        for (int b = from; b < to; b++) {
            long off = row + (long) b * BYTES;
            offsets += Lanes256.f16(w, off + M) * a.sum32[xb + b];
            int xo = (xb + b) * QK;
            ShortVector q = Lanes256.u8x16(w, off + QS);
            ShortVector p = q.and((short) 0xF).mul(ShortVector.fromArray(Lanes256.S, a.q, xo))
                    .add(q.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(Lanes256.S, a.q, xo + 16)));
            acc = Lanes256.pairSum(p).fma(FloatVector.broadcast(Lanes256.F, Lanes256.f16(w, off + D) * a.scale[xb + b]), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD) + offsets;
    }

    /** As Q4_0 without the −8; the offset m adds m · Σx̂ of the block. */
    @Override
    public void dotRows(MemorySegment w, long offset, long rowBytes, int n, Activations a, int ab, float[] out,
                        int outOff, float[] tmp) {
        int nb = a.cols / QK;
        short[] xq = a.q;
        float[] xs = a.scale;
        float[] xsum = a.sum32;
        for (int r = 0; r < n; r++) {
            long row = offset + r * rowBytes;
            int xb0 = ab * nb;
            FloatVector acc = FloatVector.zero(Lanes256.F);
            float offsets = 0;
            for (int b = 0; b < nb; b++) {
                long off = row + (long) b * BYTES;
                int xb = xb0 + b;
                float d = Lanes256.f16(w, off + D) * xs[xb];
                offsets += Lanes256.f16(w, off + M) * xsum[xb];
                int xo = xb * QK;
                ShortVector q = Lanes256.u8x16(w, off + QS);
                ShortVector p = q.and((short) 0xF).mul(ShortVector.fromArray(Lanes256.S, xq, xo))
                        .add(q.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(Lanes256.S, xq, xo + 16)));
                acc = Lanes256.pairSum(p).fma(FloatVector.broadcast(Lanes256.F, d), acc);
            }
            out[outOff + r] = acc.reduceLanes(VectorOperators.ADD) + offsets;
        }
    }
}
