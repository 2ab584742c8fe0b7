package dev.lopper.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Matrix × vector on Q8_0 repacked for 32 rows ({@link Q8_0Rows32}), with 512-bit vectors: one short vector is the
 * 32 rows of a group. Per block column:
 * <pre>
 *   for each of the 16 chunks: p = q[2k]·x[2k] + q[2k+1]·x[2k+1] per lane (16 bits, exact)
 *     → added to two int accumulators: the low halves (rows 0..15) and high halves (rows 16..31) sign-extended
 *   → the accumulators as floats × the rows' d × the activation block's scale
 * </pre>
 */
final class Q8_0Rows32Kernel512 extends Rows32Kernel {

    static final Q8_0Rows32Kernel512 INSTANCE = new Q8_0Rows32Kernel512();

    private static final int QK = 32;

    private Q8_0Rows32Kernel512() {
    }

    @Override
    public void dotRows(MemorySegment w, long offset, long rowBytes, int n, Activations a, int ab, float[] out,
                        int outOff, float[] tmp) {
        int nb = a.cols / QK;
        short[] xq = a.q;
        float[] xs = a.scale;
        int xb = ab * nb;
        for (int g = 0; g < n; g += Rows32.ROWS) {
            long group = offset + g * rowBytes;
            FloatVector lo = FloatVector.zero(Lanes512.F);
            FloatVector hi = FloatVector.zero(Lanes512.F);
            for (int b = 0; b < nb; b++) {
                long col = group + (long) b * Q8_0Rows32.COLUMN_BYTES;
                int xo = (xb + b) * QK;
                IntVector accLo = IntVector.zero(Lanes512.I);
                IntVector accHi = IntVector.zero(Lanes512.I);
                for (int k = 0; k < 16; k++) {
                    ShortVector v = ShortVector.fromMemorySegment(Lanes512.S, w, col + 64L * k, LittleEndian.ORDER);
                    int x = xo + 2 * k;
                    IntVector p = v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(xq[x])
                            .add(v.lanewise(VectorOperators.ASHR, 8).mul(xq[x + 1])).reinterpretAsInts();
                    accLo = accLo.add(p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                    accHi = accHi.add(p.lanewise(VectorOperators.ASHR, 16));
                }
                IntVector d = IntVector.fromMemorySegment(Lanes512.I, w, col + Q8_0Rows32.SCALES, LittleEndian.ORDER);
                FloatVector s = FloatVector.broadcast(Lanes512.F, xs[xb + b]);
                FloatVector dLo = Lanes512.halves(d.lanewise(VectorOperators.LSHL, 16), 0x1p112f);
                FloatVector dHi = Lanes512.halves(d, 0x1p112f);
                lo = ((FloatVector) accLo.convert(VectorOperators.I2F, 0)).mul(dLo).fma(s, lo);
                hi = ((FloatVector) accHi.convert(VectorOperators.I2F, 0)).mul(dHi).fma(s, hi);
            }
            lo.intoArray(out, outOff + g);
            hi.intoArray(out, outOff + g + 16);
        }
    }
}
