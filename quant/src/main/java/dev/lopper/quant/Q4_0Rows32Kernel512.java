package dev.lopper.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Matrix × vector on Q4_0 repacked for 32 rows ({@link Q4_0Rows32}), with 512-bit vectors: one short vector is the
 * 32 rows of a group. Per block column:
 * <pre>
 *   acc (32 × int16) = −8 · Σ x of the activation block
 *   for each of the 8 chunks: 4 nibbles per lane, each × its broadcast int8 activation, added to acc (wrapping)
 *   → acc = Σ (q − 8)·x per row, exact (see Q4_0Rows32)
 *   → low halves (rows 0..15) and high halves (rows 16..31) as floats × the rows' d × the activation block's scale
 * </pre>
 */
final class Q4_0Rows32Kernel512 extends Rows32Kernel {

    static final Q4_0Rows32Kernel512 INSTANCE = new Q4_0Rows32Kernel512();

    private static final int QK = 32;

    private Q4_0Rows32Kernel512() {
    }

    @Override
    public void dotRows(MemorySegment w, long offset, long rowBytes, int n, Activations a, int ab, float[] out,
                        int outOff, float[] tmp) {
        int nb = a.cols / QK;
        short[] xq = a.q;
        int[] xsum = a.qsum;
        float[] xs = a.scale;
        int xb = ab * nb;
        for (int g = 0; g < n; g += Rows32.ROWS) {
            long group = offset + g * rowBytes;
            FloatVector lo = FloatVector.zero(Lanes512.F);
            FloatVector hi = FloatVector.zero(Lanes512.F);
            for (int b = 0; b < nb; b++) {
                long col = group + (long) b * Q4_0Rows32.COLUMN_BYTES;
                int xo = (xb + b) * QK;
                ShortVector acc = ShortVector.broadcast(Lanes512.S, (short) (-8 * xsum[xb + b]));
                for (int k = 0; k < 8; k++) {
                    ShortVector v = ShortVector.fromMemorySegment(Lanes512.S, w, col + 64L * k, LittleEndian.ORDER);
                    int x = xo + 2 * k;
                    acc = acc.add(v.and((short) 0xF).mul(xq[x]))
                            .add(v.lanewise(VectorOperators.LSHR, 4).and((short) 0xF).mul(xq[x + 16]))
                            .add(v.lanewise(VectorOperators.LSHR, 8).and((short) 0xF).mul(xq[x + 1]))
                            .add(v.lanewise(VectorOperators.LSHR, 12).mul(xq[x + 17]));
                }
                IntVector ai = acc.reinterpretAsInts();
                IntVector d = IntVector.fromMemorySegment(Lanes512.I, w, col + Q4_0Rows32.SCALES, LittleEndian.ORDER);
                FloatVector s = FloatVector.broadcast(Lanes512.F, xs[xb + b]);
                FloatVector dLo = Lanes512.halves(d.lanewise(VectorOperators.LSHL, 16), 0x1p112f);
                FloatVector dHi = Lanes512.halves(d, 0x1p112f);
                lo = ((FloatVector) ai.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .convert(VectorOperators.I2F, 0)).mul(dLo).fma(s, lo);
                hi = ((FloatVector) ai.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                        .mul(dHi).fma(s, hi);
            }
            lo.intoArray(out, outOff + g);
            hi.intoArray(out, outOff + g + 16);
        }
    }
}
