package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/** F32: plain little-endian IEEE float32 ({@code GGML_TYPE_F32}), one element per "block". */
final class F32Codec implements BlockCodec, BlockQuantizer, RowKernel {

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

    @Override
    public boolean int8() {
        return false;
    }

    /** Float activations; four 8-lane accumulators; the last cols % 8 values scalar. */
    @Override
    public void dotRows(MemorySegment w, long offset, long rowBytes, int n, Activations a, int ab, float[] out,
                        int outOff, float[] tmp) {
        int cols = a.cols;
        float[] x = a.x;
        int xo = ab * cols;
        int bound32 = cols & ~31;
        int bound8 = cols & ~7;
        for (int r = 0; r < n; r++) {
            long off = offset + r * rowBytes;
            FloatVector a0 = FloatVector.zero(Simd.F);
            FloatVector a1 = FloatVector.zero(Simd.F);
            FloatVector a2 = FloatVector.zero(Simd.F);
            FloatVector a3 = FloatVector.zero(Simd.F);
            int c = 0;
            for (; c < bound32; c += 32) {
                long o = off + 4L * c;
                a0 = FloatVector.fromMemorySegment(Simd.F, w, o, Simd.LE).fma(FloatVector.fromArray(Simd.F, x, xo + c), a0);
                a1 = FloatVector.fromMemorySegment(Simd.F, w, o + 32, Simd.LE)
                        .fma(FloatVector.fromArray(Simd.F, x, xo + c + 8), a1);
                a2 = FloatVector.fromMemorySegment(Simd.F, w, o + 64, Simd.LE)
                        .fma(FloatVector.fromArray(Simd.F, x, xo + c + 16), a2);
                a3 = FloatVector.fromMemorySegment(Simd.F, w, o + 96, Simd.LE)
                        .fma(FloatVector.fromArray(Simd.F, x, xo + c + 24), a3);
            }
            for (; c < bound8; c += 8) {
                a0 = FloatVector.fromMemorySegment(Simd.F, w, off + 4L * c, Simd.LE)
                        .fma(FloatVector.fromArray(Simd.F, x, xo + c), a0);
            }
            float sum = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
            for (; c < cols; c++) {
                sum += w.get(Bytes.F32, off + 4L * c) * x[xo + c];
            }
            out[outOff + r] = sum;
        }
    }
}
