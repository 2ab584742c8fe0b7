package dev.lopper.quant;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q8_0 ({@code block_q8_0}, see {@link Q8_0Codec}) matrix × vector for 512-bit vectors: a whole block per vector.
 * The 32 quants sign-extended to 32 shorts in one load, times the 32 int8 activations, adjacent pairs summed into
 * 16 ints (exact: |pair| ≤ 2 · 128 · 127 &lt; 2^15), to float, one FMA with d_w · d_x. Two blocks per step into two
 * accumulators. Rows longer than {@link Activations#WIDE} read the activations as bytes (see there).
 */
final class Q8_0Kernel512 implements RowKernel {

    static final Q8_0Kernel512 INSTANCE = new Q8_0Kernel512();

    private static final int QK = 32;
    private static final int BYTES = 34;
    private static final int D = 0;
    private static final int QS = 2;

    private Q8_0Kernel512() {
    }

    @Override
    public boolean int8() {
        return true;
    }

    @Override
    public void dotRows(MemorySegment w, long offset, long rowBytes, int n, Activations a, int ab, float[] out,
                        int outOff, float[] tmp) {
        int nb = a.cols / QK;
        int pairs = nb & ~1;
        boolean wide = a.cols > Activations.WIDE; // loop-invariant: C2 unswitches, one loop per form
        short[] xq = a.q;
        byte[] x8 = a.q8;
        float[] xs = a.scale;
        int xb = ab * nb;
        for (int r = 0; r < n; r++) {
            long row = offset + r * rowBytes;
            FloatVector acc0 = FloatVector.zero(Lanes512.F);
            FloatVector acc1 = FloatVector.zero(Lanes512.F);
            int b = 0;
            for (; b < pairs; b += 2) {
                long o0 = row + (long) b * BYTES;
                long o1 = o0 + BYTES;
                int xo = (xb + b) * QK;
                {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(Lanes512.B256, w, o0 + QS, LittleEndian.ORDER)
                            .convertShape(VectorOperators.B2S, Lanes512.S, 0);
                    ShortVector x = wide ? (ShortVector) ByteVector.fromArray(Lanes512.B256, x8, xo)
                            .convertShape(VectorOperators.B2S, Lanes512.S, 0) : ShortVector.fromArray(Lanes512.S, xq, xo);
                    IntVector p = q.mul(x).reinterpretAsInts();
                    float d = Float.float16ToFloat(w.get(LittleEndian.I16, o0 + D)) * xs[xb + b];
                    acc0 = ((FloatVector) p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                            .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Lanes512.F, d), acc0);
                }
                {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(Lanes512.B256, w, o1 + QS, LittleEndian.ORDER)
                            .convertShape(VectorOperators.B2S, Lanes512.S, 0);
                    ShortVector x = wide ? (ShortVector) ByteVector.fromArray(Lanes512.B256, x8, xo + QK)
                            .convertShape(VectorOperators.B2S, Lanes512.S, 0)
                            : ShortVector.fromArray(Lanes512.S, xq, xo + QK);
                    IntVector p = q.mul(x).reinterpretAsInts();
                    float d = Float.float16ToFloat(w.get(LittleEndian.I16, o1 + D)) * xs[xb + b + 1];
                    acc1 = ((FloatVector) p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                            .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Lanes512.F, d), acc1);
                }
            }
            if (b < nb) { // an odd last block
                long o = row + (long) b * BYTES;
                int xo = (xb + b) * QK;
                ShortVector q = (ShortVector) ByteVector.fromMemorySegment(Lanes512.B256, w, o + QS, LittleEndian.ORDER)
                        .convertShape(VectorOperators.B2S, Lanes512.S, 0);
                ShortVector x = wide ? (ShortVector) ByteVector.fromArray(Lanes512.B256, x8, xo)
                        .convertShape(VectorOperators.B2S, Lanes512.S, 0) : ShortVector.fromArray(Lanes512.S, xq, xo);
                IntVector p = q.mul(x).reinterpretAsInts();
                float d = Float.float16ToFloat(w.get(LittleEndian.I16, o + D)) * xs[xb + b];
                acc0 = ((FloatVector) p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                        .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Lanes512.F, d), acc0);
            }
            out[outOff + r] = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }
    }
}
