package dev.lopper.quant;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

import java.lang.foreign.MemorySegment;

/**
 * Q4_1 ({@code block_q4_1}, see {@link Q4_1Codec}) matrix × vector for 512-bit vectors: two blocks per step, as
 * {@link Q4_0Kernel512} without the −8; the offsets m come through a third byte shuffle (m_A in lanes 0..7, m_B in
 * 8..15, each lane m/8) and add m · Σx̂ of the block (the activations' {@code sum32}, spread over its 8 lanes).
 * A block pair whose 64-byte window would run past the segment's end, and an odd last block, take
 * {@link Q4_1Codec}'s 256-bit step.
 */
final class Q4_1Kernel512 implements RowKernel {

    static final Q4_1Kernel512 INSTANCE = new Q4_1Kernel512();

    private static final int QK = 32;
    private static final int BYTES = 20;
    private static final VectorShuffle<Byte> QS = Lanes512.nibblePairs(4, BYTES + 4);
    private static final VectorShuffle<Byte> D = Lanes512.halfPairs(0, BYTES);
    private static final VectorShuffle<Byte> M = Lanes512.halfPairs(2, BYTES + 2);

    private Q4_1Kernel512() {
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
        float[] xsum = a.sum32;
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
                IntVector sums = pi.add(pi.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                FloatVector d = Lanes512.halves(v.rearrange(D).reinterpretAsInts(), 0x1p112f)
                        .mul(FloatVector.fromArray(Lanes512.F, xs, xb + b).rearrange(Lanes512.SPREAD_F));
                FloatVector m8 = Lanes512.halves(v.rearrange(M).reinterpretAsInts(), 0x1p109f); // m / 8
                FloatVector next = ((FloatVector) sums.convert(VectorOperators.I2F, 0)).fma(d,
                        m8.fma(FloatVector.fromArray(Lanes512.F, xsum, xb + b).rearrange(Lanes512.SPREAD_F), other));
                other = acc; // two accumulators taking turns: the FMAs of successive steps do not wait on each other
                acc = next;
            }
            float sum = acc.add(other).reduceLanes(VectorOperators.ADD);
            if (b < nb) {
                sum += Q4_1Codec.blocks(w, row, b, nb, a, xb);
            }
            out[outOff + r] = sum;
        }
    }
}
