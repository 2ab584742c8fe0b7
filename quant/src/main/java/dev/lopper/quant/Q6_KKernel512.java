package dev.lopper.quant;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

import java.lang.foreign.MemorySegment;

/**
 * Q6_K ({@code block_q6_K}, see {@link Q6_KCodec}) matrix × vector for 512-bit vectors: a 128-weight half of a
 * super-block per step.
 * <pre>
 * ql[64h .. 64h+31], ql[64h+32 .. 64h+63], qh[32h .. 32h+31]: each 32 bytes zero-extended to 32 shorts (one load)
 *   → the four 32-weight quarters k = 0..3 (weights 128h + 32k + l): bits 0..3 from the low (k &lt; 2) or high
 *     nibble of the first or second ql run, bits 4..5 from bits 2k..2k+1 of qh, kept unsigned (0..63)
 *   → each × its 32 int8 activations, adjacent pairs summed into 16 ints (lanes 0..7: group 8h + 2k, 8..15: the
 *     next group; exact, |pair| ≤ 2 · 63 · 127 &lt; 2^15)
 *   → float, × d · scale_g · x-scale_g spread to each group's 8 lanes by a lane shuffle, accumulated
 * − 32 · Σ_g d · scale_g · Σx_g once per super-block (the −32 taken from the activations' per-16 sums).
 * </pre>
 * The 16 combined scales of a super-block are one vector (the int8 scales widened to floats in one step), stored
 * to the scratch array and read back per half: a vector carried through the half loop and shuffled at its end made
 * some C2 compilations fall back to the allocating rearrange.
 */
final class Q6_KKernel512 implements RowKernel {

    static final Q6_KKernel512 INSTANCE = new Q6_KKernel512();

    private static final int QK = 256;
    private static final int BYTES = 210;
    private static final int QL = 0;
    private static final int QH = 128;
    private static final int SCALES = 192;
    private static final int D = 208;

    /** Quarter k's two groups (2k, 2k + 1 of a half's 8) spread over lanes 0..7 and 8..15. */
    private static final VectorShuffle<Float> K0 = VectorShuffle.fromOp(Lanes512.F, i -> i / 8);
    private static final VectorShuffle<Float> K1 = VectorShuffle.fromOp(Lanes512.F, i -> 2 + i / 8);
    private static final VectorShuffle<Float> K2 = VectorShuffle.fromOp(Lanes512.F, i -> 4 + i / 8);
    private static final VectorShuffle<Float> K3 = VectorShuffle.fromOp(Lanes512.F, i -> 6 + i / 8);

    private Q6_KKernel512() {
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
        float[] xs16 = a.scale16;
        float[] xsum16 = a.sum16;
        int xb0 = ab * nb * 8;
        for (int r = 0; r < n; r++) {
            long row = offset + r * rowBytes;
            FloatVector acc0 = FloatVector.zero(Lanes512.F);
            FloatVector acc1 = FloatVector.zero(Lanes512.F);
            FloatVector offsets = FloatVector.zero(Lanes512.F);
            for (int b = 0; b < nb; b++) {
                long off = row + (long) b * BYTES;
                int xb = xb0 + 8 * b;
                FloatVector sc = ((FloatVector) ByteVector.fromMemorySegment(Lanes512.B128, w, off + SCALES,
                        LittleEndian.ORDER).convertShape(VectorOperators.B2F, Lanes512.F, 0))
                        .mul(Float.float16ToFloat(w.get(LittleEndian.I16, off + D)));
                offsets = sc.fma(FloatVector.fromArray(Lanes512.F, xsum16, 2 * xb), offsets);
                sc.mul(FloatVector.fromArray(Lanes512.F, xs16, 2 * xb)).intoArray(tmp, 0);
                for (int h = 0; h < 2; h++) {
                    FloatVector c = FloatVector.fromArray(Lanes512.F, tmp, 8 * h); // lanes 0..7: this half's groups
                    long ql = off + QL + 64 * h;
                    ShortVector lo = (ShortVector) ByteVector.fromMemorySegment(Lanes512.B256, w, ql, LittleEndian.ORDER)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes512.S, 0);
                    ShortVector hi = (ShortVector) ByteVector.fromMemorySegment(Lanes512.B256, w, ql + 32, LittleEndian.ORDER)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes512.S, 0);
                    ShortVector qh = (ShortVector) ByteVector.fromMemorySegment(Lanes512.B256, w, off + QH + 32 * h,
                            LittleEndian.ORDER).convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes512.S, 0);
                    int xo = (xb + 4 * h) * 32;
                    IntVector p0 = lo.and((short) 0xF).or(qh.lanewise(VectorOperators.LSHL, 4).and((short) 0x30))
                            .mul(ShortVector.fromArray(Lanes512.S, xq, xo)).reinterpretAsInts();
                    IntVector p1 = hi.and((short) 0xF).or(qh.lanewise(VectorOperators.LSHL, 2).and((short) 0x30))
                            .mul(ShortVector.fromArray(Lanes512.S, xq, xo + 32)).reinterpretAsInts();
                    IntVector p2 = lo.lanewise(VectorOperators.LSHR, 4).or(qh.and((short) 0x30))
                            .mul(ShortVector.fromArray(Lanes512.S, xq, xo + 64)).reinterpretAsInts();
                    IntVector p3 = hi.lanewise(VectorOperators.LSHR, 4)
                            .or(qh.lanewise(VectorOperators.LSHR, 2).and((short) 0x30))
                            .mul(ShortVector.fromArray(Lanes512.S, xq, xo + 96)).reinterpretAsInts();
                    // pair sums (shift, add, arithmetic shift), scaled per group
                    acc0 = ((FloatVector) p0.add(p0.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                            .convert(VectorOperators.I2F, 0)).fma(c.rearrange(K0), acc0);
                    acc1 = ((FloatVector) p1.add(p1.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                            .convert(VectorOperators.I2F, 0)).fma(c.rearrange(K1), acc1);
                    acc0 = ((FloatVector) p2.add(p2.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                            .convert(VectorOperators.I2F, 0)).fma(c.rearrange(K2), acc0);
                    acc1 = ((FloatVector) p3.add(p3.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                            .convert(VectorOperators.I2F, 0)).fma(c.rearrange(K3), acc1);
                }
            }
            out[outOff + r] = acc0.add(acc1).reduceLanes(VectorOperators.ADD)
                    - 32 * offsets.reduceLanes(VectorOperators.ADD);
        }
    }
}
