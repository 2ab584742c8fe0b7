package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/** F32: plain little-endian IEEE float32 ({@code GGML_TYPE_F32}), one element per "block". */
final class F32Codec implements BlockCodec, BlockQuantizer {

    static final F32Codec INSTANCE = new F32Codec();

    private F32Codec() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int n) {
        Checks.blocks(GgmlType.F32, n, dst, dstOffset);
        MemorySegment.copy(src, Bytes.F32, offset, dst, dstOffset, n);
    }

    @Override
    public float dot(MemorySegment src, long offset, float[] x, int xOffset, int n) {
        Checks.blocks(GgmlType.F32, n, x, xOffset);
        float[] w = Blocks.scratch().weights;
        float sum = 0;
        for (int done = 0; done < n; done += w.length) {
            int len = Math.min(w.length, n - done);
            MemorySegment.copy(src, Bytes.F32, offset + 4L * done, w, 0, len);
            sum += Vec.dot(w, 0, x, xOffset + done, len);
        }
        return sum;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int n, MemorySegment dst, long dstOffset) {
        Checks.blocks(GgmlType.F32, n, src, srcOffset);
        MemorySegment.copy(src, srcOffset, dst, Bytes.F32, dstOffset, n);
    }
}
