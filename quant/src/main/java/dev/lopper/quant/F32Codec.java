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
        Blocks.count(GgmlType.F32, n, dst, dstOffset);
        MemorySegment.copy(src, LittleEndian.F32, offset, dst, dstOffset, n);
    }

    @Override
    public float dot(MemorySegment src, long offset, float[] x, int xOffset, int n) {
        Blocks.count(GgmlType.F32, n, x, xOffset);
        float[] w = Blocks.scratch().weights;
        float sum = 0;
        for (int done = 0; done < n; done += w.length) {
            int len = Math.min(w.length, n - done);
            MemorySegment.copy(src, LittleEndian.F32, offset + 4L * done, w, 0, len);
            sum += ArrayLanes.dot(w, 0, x, xOffset + done, len);
        }
        return sum;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int n, MemorySegment dst, long dstOffset) {
        Blocks.count(GgmlType.F32, n, src, srcOffset);
        MemorySegment.copy(src, srcOffset, dst, LittleEndian.F32, dstOffset, n);
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
            FloatVector a0 = FloatVector.zero(Lanes256.F);
            FloatVector a1 = FloatVector.zero(Lanes256.F);
            FloatVector a2 = FloatVector.zero(Lanes256.F);
            FloatVector a3 = FloatVector.zero(Lanes256.F);
            int c = 0;
            for (; c < bound32; c += 32) {
                long o = off + 4L * c;
                a0 = FloatVector.fromMemorySegment(Lanes256.F, w, o, LittleEndian.ORDER).fma(FloatVector.fromArray(Lanes256.F, x, xo + c), a0);
                a1 = FloatVector.fromMemorySegment(Lanes256.F, w, o + 32, LittleEndian.ORDER)
                        .fma(FloatVector.fromArray(Lanes256.F, x, xo + c + 8), a1);
                a2 = FloatVector.fromMemorySegment(Lanes256.F, w, o + 64, LittleEndian.ORDER)
                        .fma(FloatVector.fromArray(Lanes256.F, x, xo + c + 16), a2);
                a3 = FloatVector.fromMemorySegment(Lanes256.F, w, o + 96, LittleEndian.ORDER)
                        .fma(FloatVector.fromArray(Lanes256.F, x, xo + c + 24), a3);
            }
            for (; c < bound8; c += 8) {
                a0 = FloatVector.fromMemorySegment(Lanes256.F, w, off + 4L * c, LittleEndian.ORDER)
                        .fma(FloatVector.fromArray(Lanes256.F, x, xo + c), a0);
            }
            float sum = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
            for (; c < cols; c++) {
                sum += w.get(LittleEndian.F32, off + 4L * c) * x[xo + c];
            }
            out[outOff + r] = sum;
        }
    }
}
