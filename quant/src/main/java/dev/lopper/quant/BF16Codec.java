package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/** BF16: little-endian bfloat16 ({@code GGML_TYPE_BF16}, {@code ggml_bf16_t}): the top 16 bits of a float32. */
final class BF16Codec implements BlockCodec, BlockQuantizer, RowKernel {

    static final BF16Codec INSTANCE = new BF16Codec();

    private BF16Codec() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.BF16;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int n) {
        Checks.blocks(GgmlType.BF16, n, dst, dstOffset);
        short[] h = Blocks.scratch().halves;
        for (int done = 0; done < n; done += h.length) {
            int len = Math.min(h.length, n - done);
            MemorySegment.copy(src, Bytes.I16, offset + 2L * done, h, 0, len);
            Vec.bf16ToF32(h, 0, dst, dstOffset + done, len);
        }
    }

    @Override
    public float dot(MemorySegment src, long offset, float[] x, int xOffset, int n) {
        Checks.blocks(GgmlType.BF16, n, x, xOffset);
        short[] h = Blocks.scratch().halves;
        float sum = 0;
        for (int done = 0; done < n; done += h.length) {
            int len = Math.min(h.length, n - done);
            MemorySegment.copy(src, Bytes.I16, offset + 2L * done, h, 0, len);
            sum += Vec.dotBf16(h, 0, x, xOffset + done, len);
        }
        return sum;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int n, MemorySegment dst, long dstOffset) {
        Checks.blocks(GgmlType.BF16, n, src, srcOffset);
        for (int i = 0; i < n; i++) {
            dst.set(Bytes.I16, dstOffset + 2L * i, Fp16.floatToBf16(src[srcOffset + i]));
        }
    }

    @Override
    public boolean int8() {
        return false;
    }

    /** Float activations; bfloat16 widened with one shift; the last cols % 8 values scalar. */
    @Override
    public void dotRows(MemorySegment w, long offset, long rowBytes, int n, Activations a, int ab, float[] out,
                        int outOff, float[] tmp) {
        int cols = a.cols;
        float[] x = a.x;
        int xo = ab * cols;
        int bound16 = cols & ~15;
        int bound8 = cols & ~7;
        for (int r = 0; r < n; r++) {
            long off = offset + r * rowBytes;
            FloatVector a0 = FloatVector.zero(Simd.F);
            FloatVector a1 = FloatVector.zero(Simd.F);
            int c = 0;
            for (; c < bound16; c += 16) {
                long o = off + 2L * c;
                a0 = Simd.bf16x8(w, o).fma(FloatVector.fromArray(Simd.F, x, xo + c), a0);
                a1 = Simd.bf16x8(w, o + 16).fma(FloatVector.fromArray(Simd.F, x, xo + c + 8), a1);
            }
            for (; c < bound8; c += 8) {
                a0 = Simd.bf16x8(w, off + 2L * c).fma(FloatVector.fromArray(Simd.F, x, xo + c), a0);
            }
            float sum = a0.add(a1).reduceLanes(VectorOperators.ADD);
            for (; c < cols; c++) {
                sum += Fp16.bf16ToFloat(w.get(Bytes.I16, off + 2L * c)) * x[xo + c];
            }
            out[outOff + r] = sum;
        }
    }
}
