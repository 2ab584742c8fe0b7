package dev.lopper.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * {@link Q4_0Rows32Kernel512} with 256-bit vectors: each 64-byte chunk of a group is two short vectors, lanes 0..15
 * (rows 0..7 in the low halves of the int lanes, 16..23 in the high) and lanes 16..31 (rows 8..15, 24..31), each
 * with its own 16-bit accumulator, sharing the broadcast activations.
 */
final class Q4_0Rows32Kernel256 extends Rows32Kernel {

    static final Q4_0Rows32Kernel256 INSTANCE = new Q4_0Rows32Kernel256();

    private static final int QK = 32;

    private Q4_0Rows32Kernel256() {
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
            FloatVector r0 = FloatVector.zero(Lanes256.F);
            FloatVector r8 = FloatVector.zero(Lanes256.F);
            FloatVector r16 = FloatVector.zero(Lanes256.F);
            FloatVector r24 = FloatVector.zero(Lanes256.F);
            for (int b = 0; b < nb; b++) {
                long col = group + (long) b * Q4_0Rows32.COLUMN_BYTES;
                int xo = (xb + b) * QK;
                ShortVector acc0 = ShortVector.broadcast(Lanes256.S, (short) (-8 * xsum[xb + b]));
                ShortVector acc1 = acc0;
                for (int k = 0; k < 8; k++) {
                    ShortVector v0 = ShortVector.fromMemorySegment(Lanes256.S, w, col + 64L * k, LittleEndian.ORDER);
                    ShortVector v1 = ShortVector.fromMemorySegment(Lanes256.S, w, col + 64L * k + 32,
                            LittleEndian.ORDER);
                    int x = xo + 2 * k;
                    short x0 = xq[x];
                    short x1 = xq[x + 16];
                    short x2 = xq[x + 1];
                    short x3 = xq[x + 17];
                    acc0 = acc0.add(v0.and((short) 0xF).mul(x0))
                            .add(v0.lanewise(VectorOperators.LSHR, 4).and((short) 0xF).mul(x1))
                            .add(v0.lanewise(VectorOperators.LSHR, 8).and((short) 0xF).mul(x2))
                            .add(v0.lanewise(VectorOperators.LSHR, 12).mul(x3));
                    acc1 = acc1.add(v1.and((short) 0xF).mul(x0))
                            .add(v1.lanewise(VectorOperators.LSHR, 4).and((short) 0xF).mul(x1))
                            .add(v1.lanewise(VectorOperators.LSHR, 8).and((short) 0xF).mul(x2))
                            .add(v1.lanewise(VectorOperators.LSHR, 12).mul(x3));
                }
                // the rows' f16 scales (low halves: rows 0..7 / 8..15, high: 16..23 / 24..31) as floats, as
                // Lanes512.halves does, written out here: this kernel is past C2's inlining budget
                FloatVector s = FloatVector.broadcast(Lanes256.F, xs[xb + b]);
                IntVector a0 = acc0.reinterpretAsInts();
                IntVector a1 = acc1.reinterpretAsInts();
                IntVector d0 = IntVector.fromMemorySegment(Lanes256.I, w, col + Q4_0Rows32.SCALES, LittleEndian.ORDER);
                IntVector d1 = IntVector.fromMemorySegment(Lanes256.I, w, col + Q4_0Rows32.SCALES + 32,
                        LittleEndian.ORDER);
                r0 = ((FloatVector) a0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .convert(VectorOperators.I2F, 0))
                        .mul(d0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000)
                                .reinterpretAsFloats().mul(0x1p112f)).fma(s, r0);
                r16 = ((FloatVector) a0.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                        .mul(d0.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f))
                        .fma(s, r16);
                r8 = ((FloatVector) a1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .convert(VectorOperators.I2F, 0))
                        .mul(d1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000)
                                .reinterpretAsFloats().mul(0x1p112f)).fma(s, r8);
                r24 = ((FloatVector) a1.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                        .mul(d1.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f))
                        .fma(s, r24);
            }
            r0.intoArray(out, outOff + g);
            r8.intoArray(out, outOff + g + 8);
            r16.intoArray(out, outOff + g + 16);
            r24.intoArray(out, outOff + g + 24);
        }
    }
}
