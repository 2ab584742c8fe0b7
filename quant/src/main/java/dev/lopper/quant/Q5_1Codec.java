package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.lopper.quant.LittleEndian.f16;
import static dev.lopper.quant.LittleEndian.putF16;
import static dev.lopper.quant.LittleEndian.putU32;
import static dev.lopper.quant.LittleEndian.u32;
import static dev.lopper.quant.LittleEndian.u8;

/**
 * Q5_1 — ggml-common.h {@code block_q5_1}: 32 weights in 24 bytes (6 bits/weight), scale and offset.
 * <pre>
 * struct block_q5_1 {          // offset
 *     ggml_half d;             //  0   scale
 *     ggml_half m;             //  2   min (offset)
 *     uint8_t   qh[4];         //  4   bit j of this little-endian uint32 is bit 4 of q[j]
 *     uint8_t   qs[16];        //  8   low 4 bits: q[j] low nibble, q[j+16] high nibble
 * };
 * w[j] = d · q[j] + m,  q[j] ∈ [0, 31]
 * </pre>
 */
final class Q5_1Codec implements BlockCodec, BlockQuantizer, BlockFormat, RowKernel {

    static final Q5_1Codec INSTANCE = new Q5_1Codec();

    private static final GgmlType TYPE = GgmlType.Q5_1;
    private static final int QK = 32;
    private static final int BYTES = 24;
    private static final int D = 0;
    private static final int M = 2;
    private static final int QH = 4;
    private static final int QS = 8;

    private Q5_1Codec() {
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
        int qh = u32(b, o + QH);
        for (int j = 0; j < QK / 2; j++) {
            int q = u8(b, o + QS + j);
            int q0 = (q & 0xF) | (((qh >>> j) & 1) << 4);
            int q1 = (q >>> 4) | (((qh >>> (j + QK / 2)) & 1) << 4);
            y[yo + j] = q0 * d + m;
            y[yo + j + QK / 2] = q1 * d + m;
        }
    }

    /** quantize_row_q5_1_ref: d = (max − min)/31, m = min. */
    @Override
    public void encodeBlock(float[] x, int xo, byte[] b) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < QK; j++) {
            min = Math.min(min, x[xo + j]);
            max = Math.max(max, x[xo + j]);
        }
        float d = (max - min) / 31;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(b, D, d);
        putF16(b, M, min);
        int qh = 0;
        for (int j = 0; j < QK / 2; j++) {
            int q0 = Math.min(31, (int) ((x[xo + j] - min) * id + 0.5f));
            int q1 = Math.min(31, (int) ((x[xo + j + QK / 2] - min) * id + 0.5f));
            b[QS + j] = (byte) ((q0 & 0xF) | ((q1 & 0xF) << 4));
            qh |= (q0 >>> 4) << j;
            qh |= (q1 >>> 4) << (j + QK / 2);
        }
        putU32(b, QH, qh);
    }

    @Override
    public boolean int8() {
        return true;
    }

    /** As Q4_1 with bit 4 from qh (lanes whose bit is set get +16, see Q5_0). */
    @Override
    public void dotRows(MemorySegment w, long offset, long rowBytes, int n, Activations a, int ab, float[] out,
                        int outOff, float[] tmp) {
        int nb = a.cols / QK;
        short[] xq = a.q;
        float[] xs = a.scale;
        float[] xsum = a.sum32;
        ShortVector bits = Lanes256.laneBits();
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
                int qh = w.get(LittleEndian.I32, off + QH);
                int xo = xb * QK;
                ShortVector q = Lanes256.u8x16(w, off + QS);
                ShortVector lo = q.and((short) 0xF).or((short) 16).add(Lanes256.clearBits(qh, bits).and((short) -16));
                ShortVector hi = q.lanewise(VectorOperators.LSHR, 4).or((short) 16)
                        .add(Lanes256.clearBits(qh >>> 16, bits).and((short) -16));
                ShortVector p = lo.mul(ShortVector.fromArray(Lanes256.S, xq, xo))
                        .add(hi.mul(ShortVector.fromArray(Lanes256.S, xq, xo + 16)));
                acc = Lanes256.pairSum(p).fma(FloatVector.broadcast(Lanes256.F, d), acc);
            }
            out[outOff + r] = acc.reduceLanes(VectorOperators.ADD) + offsets;
        }
    }
}
