package dev.lopper.quant;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

import java.lang.foreign.MemorySegment;

/**
 * Q4_0 ({@code block_q4_0}, see {@link Q4_0Codec}) matrix × vector for 512-bit vectors: two blocks per step.
 * <pre>
 * 64 bytes from block A's start (A: d @0, qs @2..17; B: d @18, qs @20..35)
 *   → one byte shuffle: A's 16 quant bytes in short lanes 0..15, B's in 16..31
 *   → low nibbles (weights 0..15 of A and B) × activations, high nibbles (16..31) × activations, added
 *   → adjacent pairs summed into 16 ints (0..7: A, 8..15: B), minus the block's Σx in each lane (Σ over the
 *     8 lanes: Σ q·x − 8·Σ x = Σ (q − 8)·x, llama.cpp's bsums idea)
 *   → float, × (d_w · d_x) per lane, where the other byte shuffle brings d_A and d_B into their 8 lanes each.
 * </pre>
 * The activations are laid out for this in {@link Activations#q4}. A block pair whose 64-byte window would run past
 * the segment's end, and an odd last block, take {@link Q4_0Codec}'s 256-bit step.
 */
final class Q4_0Kernel512 implements RowKernel {

    static final Q4_0Kernel512 INSTANCE = new Q4_0Kernel512();

    private static final int QK = 32;
    private static final int BYTES = 18;
    private static final VectorShuffle<Byte> QS = Lanes512.nibblePairs(2, BYTES + 2);
    private static final VectorShuffle<Byte> D = Lanes512.halfPairs(0, BYTES);

    private Q4_0Kernel512() {
    }

    @Override
    public boolean int8() {
        return true;
    }

    @Override
    public void dotRows(MemorySegment w, long offset, long rowBytes, int n, Activations a, int ab, float[] out,
                        int outOff, float[] tmp) {
        int nb = a.cols / QK;
        short[] xq = a.q4;
        int[] xsum = a.qsum;
        float[] xs = a.scale;
        int xb = ab * nb;
        long lastWindow = w.byteSize() - 64;
        for (int r = 0; r < n; r++) {
            long row = offset + r * rowBytes;
            int pairs = nb & ~1;
            if (row + (long) (pairs - 2) * BYTES > lastWindow) { // the row's last windows run past the segment
                pairs = (int) Math.max(0, Math.min(pairs, (Math.floorDiv(lastWindow - row, 2 * BYTES) + 1) * 2));
            }
            FloatVector acc = FloatVector.zero(Lanes512.F);
            FloatVector other = FloatVector.zero(Lanes512.F);
            int b = 0;
            for (; b < pairs; b += 2) {
                ByteVector v = ByteVector.fromMemorySegment(Lanes512.B, w, row + (long) b * BYTES, LittleEndian.ORDER);
                ShortVector q = v.rearrange(QS).reinterpretAsShorts();
                int xo = (xb + b) * QK;
                ShortVector p = q.and((short) 0xF).mul(ShortVector.fromArray(Lanes512.S, xq, xo))
                        .add(q.lanewise(VectorOperators.LSHR, 4).and((short) 0xF)
                                .mul(ShortVector.fromArray(Lanes512.S, xq, xo + QK)));
                IntVector pi = p.reinterpretAsInts();
                IntVector sums = pi.add(pi.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                        .sub(IntVector.fromArray(Lanes512.I, xsum, xb + b).rearrange(Lanes512.SPREAD_I));
                FloatVector d = Lanes512.halves(v.rearrange(D).reinterpretAsInts(), 0x1p112f)
                        .mul(FloatVector.fromArray(Lanes512.F, xs, xb + b).rearrange(Lanes512.SPREAD_F));
                FloatVector next = ((FloatVector) sums.convert(VectorOperators.I2F, 0)).fma(d, other);
                other = acc; // two accumulators taking turns: the FMAs of successive steps do not wait on each other
                acc = next;
            }
            float sum = acc.add(other).reduceLanes(VectorOperators.ADD);
            if (b < nb) {
                sum += Q4_0Codec.blocks(w, row, b, nb, a, xb);
            }
            out[outOff + r] = sum;
        }
    }
}
