package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

import static dev.lopper.quant.Bytes.f16;
import static dev.lopper.quant.Bytes.u8;

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
final class Q5_KCodec implements BlockCodec, BlockQuantizer, BlockFormat {

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
}
