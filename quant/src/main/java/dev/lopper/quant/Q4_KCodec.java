package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

import static dev.lopper.quant.Bytes.f16;
import static dev.lopper.quant.Bytes.u8;

/**
 * Q4_K — ggml-common.h {@code block_q4_K}: 256 weights in 144 bytes (4.5 bits/weight), 8 sub-blocks of 32 with a
 * 6-bit scale and 6-bit min each ({@link KScales}).
 * <pre>
 * struct block_q4_K {          // offset
 *     ggml_half d;             //  0   super-block scale for the scales
 *     ggml_half dmin;          //  2   super-block scale for the mins
 *     uint8_t   scales[12];    //  4   see KScales
 *     uint8_t   qs[128];       // 16   4-bit quants
 * };
 * w[e] = d·scale[j] · q[e] − dmin·min[j],  j = e/32,  q[e] ∈ [0, 15]
 * </pre>
 * Each 64-weight chunk c uses qs[32c .. 32c+31]: sub-block 2c in the low nibbles, sub-block 2c+1 in the high.
 */
final class Q4_KCodec implements BlockCodec, BlockQuantizer, BlockFormat {

    static final Q4_KCodec INSTANCE = new Q4_KCodec();

    private static final GgmlType TYPE = GgmlType.Q4_K;
    private static final int QK = 256;
    private static final int BYTES = 144;
    private static final int D = 0;
    private static final int DMIN = 2;
    private static final int SCALES = 4;
    private static final int QS = 16;

    private Q4_KCodec() {
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
                y[e + l] = d1 * (q & 0xF) - m1;
                y[e + l + 32] = d2 * (q >>> 4) - m2;
            }
        }
    }

    /** quantize_row_q4_K_ref. */
    @Override
    public void encodeBlock(float[] x, int xo, byte[] b) {
        int[] L = new int[QK];
        KScales.quantizeSuperBlock(x, xo, 15, -1f, 20, L, b);
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                b[QS + 32 * c + l] = (byte) (L[64 * c + l] | (L[64 * c + l + 32] << 4));
            }
        }
    }
}
