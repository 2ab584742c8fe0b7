package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/** F16: little-endian IEEE binary16 ({@code GGML_TYPE_F16}, {@code ggml_half}), one element per "block". */
final class F16Codec implements BlockCodec, BlockQuantizer, RowKernel {

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

    @Override
    public boolean int8() {
        return false;
    }

    /** Float activations; IEEE halves widened with integer shifts and one multiply by 2^112 (exact for every finite half); the last cols % 8 values scalar. */
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
                a0 = Simd.f16x8(w, o).fma(FloatVector.fromArray(Simd.F, x, xo + c), a0);
                a1 = Simd.f16x8(w, o + 16).fma(FloatVector.fromArray(Simd.F, x, xo + c + 8), a1);
            }
            for (; c < bound8; c += 8) {
                a0 = Simd.f16x8(w, off + 2L * c).fma(FloatVector.fromArray(Simd.F, x, xo + c), a0);
            }
            float sum = a0.add(a1).reduceLanes(VectorOperators.ADD);
            for (; c < cols; c++) {
                sum += Float.float16ToFloat(w.get(Bytes.I16, off + 2L * c)) * x[xo + c];
            }
            out[outOff + r] = sum;
        }
    }
}
