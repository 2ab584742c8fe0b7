package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.lopper.quant.LittleEndian.f16;
import static dev.lopper.quant.LittleEndian.u8;

/**
 * Q5_K — ggml-common.h {@code block_q5_K}: 256 weights in 176 bytes (5.5 bits/weight), 8 sub-blocks of 32 with a
 * 6-bit scale and 6-bit min each ({@link KScales}).
 * <pre>
 * struct block_q5_K {          // offset
 *     ggml_half d;             //  0   super-block scale for the scales
 *     ggml_half dmin;          //  2   super-block scale for the mins
 *     uint8_t   scales[12];    //  4   see KScales
 *     uint8_t   qh[32];        // 16   bit 4 of the quants
 *     uint8_t   qs[128];       // 48   bits 0..3 of the quants, as in Q4_K
 * };
 * w[e] = d·scale[j] · q[e] − dmin·min[j],  j = e/32,  q[e] ∈ [0, 31]
 * </pre>
 * Weight e = 32j + l (l = 0..31): low 4 bits as in Q4_K, bit 4 = bit j of qh[l].
 */
final class Q5_KCodec implements BlockCodec, BlockQuantizer, BlockFormat, RowKernel {

    static final Q5_KCodec INSTANCE = new Q5_KCodec();

    private static final GgmlType TYPE = GgmlType.Q5_K;
    private static final int QK = 256;
    private static final int BYTES = 176;
    private static final int D = 0;
    private static final int DMIN = 2;
    private static final int SCALES = 4;
    private static final int QH = 16;
    private static final int QS = 48;

    private Q5_KCodec() {
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
        float dmin = f16(b, o + DMIN);
        for (int c = 0; c < 4; c++) {
            float d1 = d * KScales.scale(b, o + SCALES, 2 * c);
            float m1 = dmin * KScales.min(b, o + SCALES, 2 * c);
            float d2 = d * KScales.scale(b, o + SCALES, 2 * c + 1);
            float m2 = dmin * KScales.min(b, o + SCALES, 2 * c + 1);
            int qs = o + QS + 32 * c;
            int e = yo + 64 * c;
            for (int l = 0; l < 32; l++) {
                int q = u8(b, qs + l);
                int h = u8(b, o + QH + l) >>> (2 * c); // bit 0: sub-block 2c, bit 1: sub-block 2c+1
                y[e + l] = d1 * ((q & 0xF) | (h & 1) << 4) - m1;
                y[e + l + 32] = d2 * ((q >>> 4) | (h & 2) << 3) - m2;
            }
        }
    }

    /** quantize_row_q5_K_ref. */
    @Override
    public void encodeBlock(float[] x, int xo, byte[] b) {
        int[] L = new int[QK];
        KScales.quantizeSuperBlock(x, xo, 31, -0.5f, 15, L, b);
        for (int l = 0; l < 32; l++) {
            int qh = 0;
            for (int j = 0; j < 8; j++) {
                qh |= (L[32 * j + l] >>> 4) << j;
            }
            b[QH + l] = (byte) qh;
        }
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                b[QS + 32 * c + l] = (byte) ((L[64 * c + l] & 0xF) | (L[64 * c + l + 32] & 0xF) << 4);
            }
        }
    }

    @Override
    public boolean int8() {
        return true;
    }

    /** As Q4_K; bit 4 of sub-block j's quants is bit j of qh[l], moved to bit 4 with one shift and a mask. */
    @Override
    public void dotRows(MemorySegment w, long offset, long rowBytes, int n, Activations a, int ab, float[] out,
                        int outOff, float[] tmp) {
        int nb = a.cols / QK;
        short[] xq = a.q;
        float[] xs = a.scale;
        float[] xsum = a.sum32;
        for (int r = 0; r < n; r++) {
            long row = offset + r * rowBytes;
            int xb = ab * nb * 8;
            FloatVector acc = FloatVector.zero(Lanes256.F);
            float mins = 0;
            for (int b = 0; b < nb; b++) {
                long off = row + (long) b * BYTES;
                float d = Lanes256.f16(w, off + D);
                float dmin = Lanes256.f16(w, off + DMIN);
                int u0 = w.get(LittleEndian.I32, off + SCALES);
                int u1 = w.get(LittleEndian.I32, off + SCALES + 4);
                int u2 = w.get(LittleEndian.I32, off + SCALES + 8);
                long scales = Lanes256.kScales(u0, u1, u2);
                long ms = Lanes256.kMins(u0, u1, u2);
                // One 32-weight sub-block per iteration, each vector operation written once (see Q6_K: C2's
                // inlining budget).
                for (int j = 0; j < 8; j++, xb++) {
                    int sc = (int) (scales >>> (8 * j)) & 0xFF;
                    mins += dmin * ((int) (ms >>> (8 * j)) & 0xFF) * xsum[xb];
                    long qs = off + QS + 32 * (j >>> 1);
                    int nibble = 4 * (j & 1);
                    ShortVector lo = Lanes256.u8x16(w, qs).lanewise(VectorOperators.LSHR, nibble).and((short) 0xF)
                            .or(Lanes256.u8x16(w, off + QH).lanewise(VectorOperators.LSHL, 4)
                                    .lanewise(VectorOperators.LSHR, j).and((short) 16));
                    ShortVector hi = Lanes256.u8x16(w, qs + 16).lanewise(VectorOperators.LSHR, nibble).and((short) 0xF)
                            .or(Lanes256.u8x16(w, off + QH + 16).lanewise(VectorOperators.LSHL, 4)
                                    .lanewise(VectorOperators.LSHR, j).and((short) 16));
                    int xo = xb * 32;
                    ShortVector p = lo.mul(ShortVector.fromArray(Lanes256.S, xq, xo))
                            .add(hi.mul(ShortVector.fromArray(Lanes256.S, xq, xo + 16)));
                    acc = Lanes256.pairSum(p).fma(FloatVector.broadcast(Lanes256.F, d * sc * xs[xb]), acc);
                }
            }
            out[outOff + r] = acc.reduceLanes(VectorOperators.ADD) - mins;
        }
    }
}
