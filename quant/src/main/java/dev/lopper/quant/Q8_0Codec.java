package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

import static dev.lopper.quant.Bytes.f16;
import static dev.lopper.quant.Bytes.i8;
import static dev.lopper.quant.Bytes.putF16;

/**
 * Q8_0 — ggml-common.h {@code block_q8_0}: 32 weights in 34 bytes (8.5 bits/weight), symmetric.
 * <pre>
 * struct block_q8_0 {          // offset
 *     ggml_half d;             //  0   scale
 *     int8_t    qs[32];        //  2
 * };
 * w[j] = d · qs[j]
 * </pre>
 */
final class Q8_0Codec implements BlockCodec, BlockQuantizer, BlockFormat {

    static final Q8_0Codec INSTANCE = new Q8_0Codec();

    private static final GgmlType TYPE = GgmlType.Q8_0;
    private static final int QK = 32;
    private static final int BYTES = 34;
    private static final int D = 0;
    private static final int QS = 2;

    private Q8_0Codec() {
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
        for (int j = 0; j < QK; j++) {
            y[yo + j] = i8(b, o + QS + j) * d;
        }
    }

    /** quantize_row_q8_0_ref: d = amax/127, qs = round(x/d). */
    @Override
    public void encodeBlock(float[] x, int xo, byte[] b) {
        float amax = 0;
        for (int j = 0; j < QK; j++) {
            amax = Math.max(amax, Math.abs(x[xo + j]));
        }
        float d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(b, D, d);
        for (int j = 0; j < QK; j++) {
            b[QS + j] = (byte) QuantMath.roundf(x[xo + j] * id);
        }
    }
}
