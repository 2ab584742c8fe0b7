package dev.lopper.quant;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The 512-bit species of the kernels chosen when {@link RowKernel#BITS} is 512. Only those kernels touch them: where the
 * JVM's vectors are narrower (no AVX-512, or {@code -XX:MaxVectorSize=32}), 512-bit species run the Vector API's
 * Java fallback, about 100 times slower.
 */
final class Lanes512 {

    static final VectorSpecies<Byte> B = ByteVector.SPECIES_512;
    /** Half a vector of bytes: 32 quants that widen to the 32 shorts of {@link #S}. */
    static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;
    /** A quarter vector of bytes: 16 values that widen to the 16 ints or floats of {@link #I} / {@link #F}. */
    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    static final VectorSpecies<Float> F = FloatVector.SPECIES_512;

    /** Lanes 0..7 take lane 0, lanes 8..15 lane 1: a value per block of a pair spread over the block's 8 lanes. */
    static final VectorShuffle<Float> SPREAD_F = VectorShuffle.fromOp(F, i -> i / 8);
    static final VectorShuffle<Integer> SPREAD_I = VectorShuffle.fromOp(I, i -> i / 8);

    private Lanes512() {
    }

    /**
     * The byte shuffle that puts the 16 nibble bytes of two blocks, at {@code qsA} and {@code qsB} of a 64-byte
     * window, into the 32 short lanes of a 512-bit vector (lanes 0..15 block A, 16..31 block B), each byte in both
     * halves of its lane (the kernels mask the nibble they want).
     */
    static VectorShuffle<Byte> nibblePairs(int qsA, int qsB) {
        int[] idx = new int[64];
        for (int k = 0; k < 32; k++) {
            int src = k < 16 ? qsA + k : qsB + k - 16;
            idx[2 * k] = src;
            idx[2 * k + 1] = src;
        }
        return VectorShuffle.fromArray(B, idx, 0);
    }

    /**
     * The byte shuffle that puts the half at {@code hA} of a 64-byte window into the upper 16 bits of int lanes
     * 0..7 and the half at {@code hB} into lanes 8..15 (the lower 16 bits repeat it; {@link #halves} masks them).
     */
    static VectorShuffle<Byte> halfPairs(int hA, int hB) {
        int[] idx = new int[64];
        for (int l = 0; l < 16; l++) {
            int h = l < 8 ? hA : hB;
            idx[4 * l] = h;
            idx[4 * l + 1] = h + 1;
            idx[4 * l + 2] = h;
            idx[4 * l + 3] = h + 1;
        }
        return VectorShuffle.fromArray(B, idx, 0);
    }

    /**
     * IEEE halves held in the upper 16 bits of each int lane, as floats times {@code scale} / 2^112: shifted into
     * float position (the sign copies in bits 28..30 and the lower half's bits cleared), times {@code scale}
     * (2^112 = 2^(127−15) gives the halves' values). Exact for every finite half and power-of-two scale.
     */
    static FloatVector halves(IntVector h, float scale) {
        return h.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(scale);
    }
}
