package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

import static dev.lopper.quant.Bytes.f16;
import static dev.lopper.quant.Bytes.putF16;
import static dev.lopper.quant.Bytes.u8;

/**
 * Q4_0 — ggml-common.h {@code block_q4_0}: 32 weights in 18 bytes (4.5 bits/weight), symmetric.
 * <pre>
 * struct block_q4_0 {          // offset
 *     ggml_half d;             //  0   scale
 *     uint8_t   qs[16];        //  2   q[j] in the low nibble, q[j+16] in the high nibble
 * };
 * w[j] = d · (q[j] − 8),  q[j] ∈ [0, 15]
 * </pre>
 */
final class Q4_0Codec implements BlockCodec, BlockQuantizer, BlockFormat {

    static final Q4_0Codec INSTANCE = new Q4_0Codec();

    private static final GgmlType TYPE = GgmlType.Q4_0;
    private static final int QK = 32;
    private static final int BYTES = 18;
    private static final int D = 0;
    private static final int QS = 2;

    private Q4_0Codec() {
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
            y[yo + j] = ((q & 0xF) - 8) * d;
            y[yo + j + QK / 2] = ((q >>> 4) - 8) * d;
        }
    }

    /** quantize_row_q4_0_ref: d = max/−8 where max is the value of largest magnitude. */
    @Override
    public void encodeBlock(float[] x, int xo, byte[] b) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < QK; j++) {
            if (amax < Math.abs(x[xo + j])) {
                amax = Math.abs(x[xo + j]);
                max = x[xo + j];
            }
        }
        float d = max / -8;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(b, D, d);
        for (int j = 0; j < QK / 2; j++) {
            int q0 = Math.min(15, (byte) (int) (x[xo + j] * id + 8.5f));
            int q1 = Math.min(15, (byte) (int) (x[xo + j + QK / 2] * id + 8.5f));
            b[QS + j] = (byte) (q0 | (q1 << 4));
        }
    }
}
