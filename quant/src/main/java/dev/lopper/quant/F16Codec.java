package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/** F16: little-endian IEEE binary16 ({@code GGML_TYPE_F16}, {@code ggml_half}), one element per "block". */
final class F16Codec implements BlockCodec, BlockQuantizer {

    static final F16Codec INSTANCE = new F16Codec();

    private F16Codec() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int n) {
        Checks.blocks(GgmlType.F16, n, dst, dstOffset);
        short[] h = Blocks.scratch().halves;
        for (int done = 0; done < n; done += h.length) {
            int len = Math.min(h.length, n - done);
            MemorySegment.copy(src, Bytes.I16, offset + 2L * done, h, 0, len);
            Vec.f16ToF32(h, 0, dst, dstOffset + done, len);
        }
    }

    @Override
    public float dot(MemorySegment src, long offset, float[] x, int xOffset, int n) {
        Checks.blocks(GgmlType.F16, n, x, xOffset);
        short[] h = Blocks.scratch().halves;
        float sum = 0;
        for (int done = 0; done < n; done += h.length) {
            int len = Math.min(h.length, n - done);
            MemorySegment.copy(src, Bytes.I16, offset + 2L * done, h, 0, len);
            sum += Vec.dotF16(h, 0, x, xOffset + done, len);
        }
        return sum;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int n, MemorySegment dst, long dstOffset) {
        Checks.blocks(GgmlType.F16, n, src, srcOffset);
        for (int i = 0; i < n; i++) {
            dst.set(Bytes.I16, dstOffset + 2L * i, Fp16.fromFloat(src[srcOffset + i]));
        }
    }
}
