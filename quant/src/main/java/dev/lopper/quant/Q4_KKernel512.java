package dev.lopper.quant;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q4_K ({@code block_q4_K}, see {@link Q4_KCodec}) matrix × vector for 512-bit vectors: a 64-weight chunk per step.
 * <pre>
 * qs[32c .. 32c+31] zero-extended to 32 shorts in one load
 *   → low nibbles (sub-block 2c) × its 32 int8 activations, high nibbles (sub-block 2c+1) × theirs
 *   → each: adjacent pairs summed into 16 ints (exact, |pair| ≤ 2 · 15 · 127), to float, one FMA with
 *     d · scale_j · x-scale_j
 * − Σ_j dmin · min_j · Σx_j once per super-block, as the 256-bit kernel.
 * </pre>
 * One loop over the super-blocks of all rows of a call, two chunks per iteration of a two-step loop, as
 * {@link Q4_KCodec}'s kernel (the reasons are there).
 */
final class Q4_KKernel512 implements RowKernel {

    static final Q4_KKernel512 INSTANCE = new Q4_KKernel512();

    private static final int QK = 256;
    private static final int BYTES = 144;
    private static final int D = 0;
    private static final int DMIN = 2;
    private static final int SCALES = 4;
    private static final int QS = 16;

    private Q4_KKernel512() {
    }

    @Override
    public boolean int8() {
        return true;
    }

    @Override
    public void dotRows(MemorySegment w, long offset, long rowBytes, int n, Activations a, int ab, float[] out,
                        int outOff, float[] tmp) {
        int nb = a.cols / QK;
        short[] xq = a.q;
        float[] xs = a.scale;
        float[] xsum = a.sum32;
        int xb0 = ab * nb * 8;
        FloatVector acc0 = FloatVector.zero(Lanes512.F);
        FloatVector acc1 = FloatVector.zero(Lanes512.F);
        FloatVector mins = FloatVector.zero(Lanes256.F);
        int r = 0;
        int b = 0; // super-block b of row r, at off
        long off = offset;
        for (int i = 0, blocks = n * nb; i < blocks; i++) {
            int xb = xb0 + 8 * b;
            int u0 = w.get(LittleEndian.I32, off + SCALES);
            int u1 = w.get(LittleEndian.I32, off + SCALES + 4);
            int u2 = w.get(LittleEndian.I32, off + SCALES + 8);
            Lanes256.bytesToFloats(Lanes256.kScales(u0, u1, u2)).mul(Lanes256.f16(w, off + D))
                    .mul(FloatVector.fromArray(Lanes256.F, xs, xb)).intoArray(tmp, 0);
            mins = Lanes256.bytesToFloats(Lanes256.kMins(u0, u1, u2)).mul(FloatVector.fromArray(Lanes256.F, xsum, xb))
                    .fma(FloatVector.broadcast(Lanes256.F, Lanes256.f16(w, off + DMIN)), mins);
            for (int h = 0; h < 2; h++) { // chunks 2h and 2h + 1
                {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(Lanes512.B256, w, off + QS + 64 * h,
                            LittleEndian.ORDER).convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes512.S, 0);
                    int xo = (xb + 4 * h) * 32;
                    IntVector lo = q.and((short) 0xF).mul(ShortVector.fromArray(Lanes512.S, xq, xo)).reinterpretAsInts();
                    IntVector hi = q.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(Lanes512.S, xq, xo + 32))
                            .reinterpretAsInts();
                    acc0 = ((FloatVector) lo.add(lo.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                            .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Lanes512.F, tmp[4 * h]), acc0);
                    acc1 = ((FloatVector) hi.add(hi.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                            .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Lanes512.F, tmp[4 * h + 1]), acc1);
                }
                {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(Lanes512.B256, w, off + QS + 64 * h + 32,
                            LittleEndian.ORDER).convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes512.S, 0);
                    int xo = (xb + 4 * h + 2) * 32;
                    IntVector lo = q.and((short) 0xF).mul(ShortVector.fromArray(Lanes512.S, xq, xo)).reinterpretAsInts();
                    IntVector hi = q.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(Lanes512.S, xq, xo + 32))
                            .reinterpretAsInts();
                    acc0 = ((FloatVector) lo.add(lo.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                            .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Lanes512.F, tmp[4 * h + 2]), acc0);
                    acc1 = ((FloatVector) hi.add(hi.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                            .convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Lanes512.F, tmp[4 * h + 3]), acc1);
                }
            }
            off += BYTES;
            if (++b == nb) { // row r is done
                out[outOff + r] = acc0.add(acc1).reduceLanes(VectorOperators.ADD) - mins.reduceLanes(VectorOperators.ADD);
                acc0 = FloatVector.zero(Lanes512.F);
                acc1 = FloatVector.zero(Lanes512.F);
                mins = FloatVector.zero(Lanes256.F);
                r++;
                b = 0;
                off = offset + r * rowBytes;
            }
        }
    }
}
