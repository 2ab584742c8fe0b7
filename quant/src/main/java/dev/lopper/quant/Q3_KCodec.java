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
 * Q3_K — ggml-common.h {@code block_q3_K}: 256 weights in 110 bytes (3.4375 bits/weight), 16 groups of 16 with a
 * 6-bit scale each, symmetric.
 * <pre>
 * struct block_q3_K {          // offset
 *     uint8_t   hmask[32];     //  0   bit 2 of the quants, see below
 *     uint8_t   qs[64];        // 32   bits 0..1 of the quants, laid out as in Q2_K
 *     uint8_t   scales[12];    // 96   16 × 6 bits, see below
 *     ggml_half d;             // 108  super-block scale
 * };
 * w[e] = d · (scale[g] − 32) · (q[e] − 4),  g = e/16,  q[e] ∈ [0, 7]
 * </pre>
 * Weight e = 128h + 32s + l (h = 0..1, s = 0..3, l = 0..31): bits 0..1 = bits 2s..2s+1 of qs[32h + l], bit 2 =
 * bit 4h + s (= e/32) of hmask[l]. Scale g: bits 0..3 = low nibble of scales[g] for g &lt; 8, high nibble of
 * scales[g − 8] otherwise; bits 4..5 = bits 2(g/4)..2(g/4)+1 of scales[8 + g%4] (ggml unpacks this with its
 * kmask1/kmask2 shuffle of three 32-bit words).
 */
final class Q3_KCodec implements BlockCodec, BlockQuantizer, BlockFormat, RowKernel {

    static final Q3_KCodec INSTANCE = new Q3_KCodec();

    private static final GgmlType TYPE = GgmlType.Q3_K;
    private static final int QK = 256;
    private static final int BYTES = 110;
    private static final int HMASK = 0;
    private static final int QS = 32;
    private static final int SCALES = 96;
    private static final int D = 108;

    private Q3_KCodec() {
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

    /** The 6-bit scale of group g (0..15) of the block at b[o..], without the −32 bias. */
    private static int scale(byte[] b, int o, int g) {
        int low = g < 8 ? u8(b, o + SCALES + g) & 0xF : u8(b, o + SCALES + g - 8) >>> 4;
        int high = (u8(b, o + SCALES + 8 + g % 4) >>> (2 * (g / 4))) & 3;
        return low | high << 4;
    }

    private static void decodeBlock(byte[] b, int o, float[] y, int yo) {
        float d = f16(b, o + D);
        for (int g = 0; g < 16; g++) {
            float dl = d * (scale(b, o, g) - 32);
            int h = g / 8;
            int s = (g % 8) / 2;
            int l0 = 16 * (g % 2);
            int qs = o + QS + 32 * h;
            int hbit = 1 << (4 * h + s);
            for (int l = l0; l < l0 + 16; l++) {
                int low = (u8(b, qs + l) >>> (2 * s)) & 3;
                int high = (u8(b, o + HMASK + l) & hbit) != 0 ? 0 : 4;
                y[yo + 16 * g + l - l0] = dl * (low - high);
            }
        }
    }

    /** quantize_row_q3_K_ref. */
    @Override
    public void encodeBlock(float[] x, int xo, byte[] b) {
        int[] L = new int[QK];
        float[] scales = new float[16];
        float maxScale = 0;
        float amax = 0;
        for (int g = 0; g < 16; g++) {
            scales[g] = QuantMath.makeQ3Quants(16, 4, x, xo + 16 * g, L, 16 * g);
            if (Math.abs(scales[g]) > amax) {
                amax = Math.abs(scales[g]);
                maxScale = scales[g];
            }
        }
        java.util.Arrays.fill(b, (byte) 0);
        float d = 0;
        if (maxScale != 0) {
            float iscale = -32f / maxScale;
            for (int g = 0; g < 16; g++) {
                int l = QuantMath.clamp(QuantMath.nearestInt(iscale * scales[g]), -32, 31) + 32;
                b[SCALES + g % 8] |= (byte) ((l & 0xF) << (g < 8 ? 0 : 4));
                b[SCALES + 8 + g % 4] |= (byte) ((l >>> 4) << (2 * (g / 4)));
            }
            d = 1 / iscale;
        }
        putF16(b, D, d);
        for (int g = 0; g < 16; g++) {
            float dl = f16(b, D) * (scale(b, 0, g) - 32);
            if (dl == 0) {
                continue;
            }
            for (int l = 0; l < 16; l++) {
                L[16 * g + l] = QuantMath.clamp(QuantMath.nearestInt(x[xo + 16 * g + l] / dl), -4, 3) + 4;
            }
        }
        for (int e = 0; e < QK; e++) { // bit 2 of weight e goes to hmask[e % 32], bit e / 32
            b[HMASK + e % 32] |= (byte) ((L[e] >>> 2) << (e / 32));
        }
        for (int h = 0; h < 2; h++) {
            for (int l = 0; l < 32; l++) {
                int e = 128 * h + l;
                b[QS + 32 * h + l] =
                        (byte) ((L[e] & 3) | (L[e + 32] & 3) << 2 | (L[e + 64] & 3) << 4 | (L[e + 96] & 3) << 6);
            }
        }
    }

    @Override
    public boolean int8() {
        return true;
    }

    /**
     * Per super-block: the 16 six-bit scales unpacked as ggml does (three 32-bit words, kmask1/kmask2), hmask
     * widened once; per 32-weight quarter s of half h, the quant is bits 2s of qs | bit 4h+s of hmask moved to
     * bit 2, minus 4. The two 16-weight groups of a quarter are scaled separately.
     */
    @Override
    public void dotRows(MemorySegment w, long offset, long rowBytes, int n, Activations a, int ab, float[] out,
                        int outOff, float[] tmp) {
        int nb = a.cols / QK;
        short[] xq = a.q;
        float[] xs = a.scale;
        for (int r = 0; r < n; r++) {
            long row = offset + r * rowBytes;
            int xb = ab * nb * 8;
            FloatVector acc = FloatVector.zero(Lanes256.F);
            for (int b = 0; b < nb; b++) {
                long off = row + (long) b * BYTES;
                float d = Lanes256.f16(w, off + D);
                int a0 = w.get(LittleEndian.I32, off + SCALES);
                int a1 = w.get(LittleEndian.I32, off + SCALES + 4);
                int t = w.get(LittleEndian.I32, off + SCALES + 8);
                // scale g - 32 is byte g%4 of word g/4 (ggml's aux[] after unpacking)
                long scLo = (((a0 & 0x0f0f0f0f) | ((t & 0x03030303) << 4)) & 0xFFFFFFFFL)
                        | ((long) ((a1 & 0x0f0f0f0f) | (((t >>> 2) & 0x03030303) << 4)) << 32);
                long scHi = ((((a0 >>> 4) & 0x0f0f0f0f) | (((t >>> 4) & 0x03030303) << 4)) & 0xFFFFFFFFL)
                        | ((long) (((a1 >>> 4) & 0x0f0f0f0f) | (((t >>> 6) & 0x03030303) << 4)) << 32);
                // One 16-weight group per iteration, each vector operation written once (see Q6_K: C2's inlining
                // budget).
                for (int g = 0; g < 16; g++) {
                    int h = g >>> 3;
                    int s = (g >>> 1) & 3;
                    int part = g & 1;
                    ShortVector q = Lanes256.u8x16(w, off + QS + 32 * h + 16 * part).lanewise(VectorOperators.LSHR, 2 * s)
                            .and((short) 3)
                            .or(Lanes256.u8x16(w, off + HMASK + 16 * part).lanewise(VectorOperators.LSHL, 2)
                                    .lanewise(VectorOperators.LSHR, 4 * h + s).and((short) 4))
                            .sub((short) 4);
                    int xblock = xb + (g >>> 1);
                    long sc = h == 0 ? scLo : scHi;
                    int scale = ((int) (sc >>> (8 * (g & 7))) & 0xFF) - 32;
                    acc = Lanes256.pairSum(q.mul(ShortVector.fromArray(Lanes256.S, xq, 32 * xblock + 16 * part)))
                            .fma(FloatVector.broadcast(Lanes256.F, d * xs[xblock] * scale), acc);
                }
                xb += 8;
            }
            out[outOff + r] = acc.reduceLanes(VectorOperators.ADD);
        }
    }
}
