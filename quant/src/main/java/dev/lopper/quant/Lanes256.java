package dev.lopper.quant;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/**
 * The 256-bit species and small steps of the 256-bit row kernels (the codecs' own {@link RowKernel}s), which run at
 * both widths; {@link Lanes512} has the 512-bit ones. The kernels are written for 256-bit float vectors (8 lanes):
 * a 32-weight block is 16 bytes of nibbles or 32 bytes of int8, widened to two 16-lane short vectors, multiplied
 * by the int8 activations (stored pre-widened as shorts, see {@link Activations}) and pair-summed into 8 ints.
 * On AVX2 the Vector API has no byte multiply-add (maddubs), so 16-bit multiplies are the int8 dot product here.
 *
 * <p>Writing kernels for the JIT (JDK 25): derive segment offsets from an int block index; call the Vector API
 * directly in large kernels (C2 stops inlining ordinary helpers once its node budget is spent, and the operations
 * after a helper that was not inlined run the allocating fallback); keep a kernel's bytecode small enough for C1;
 * C2 has no 1-lane vectors (see {@link #bytesToFloats}). The measurements behind these rules are in
 * docs/quant-types.md ("Lessons").
 */
final class Lanes256 {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    static final VectorSpecies<Short> S128 = ShortVector.SPECIES_128;
    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    static final VectorSpecies<Byte> B64 = ByteVector.SPECIES_64;

    private Lanes256() {
    }

    /** ggml_half at byte {@code off} of a segment. */
    static float f16(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(LittleEndian.I16, off));
    }

    /** 16 unsigned bytes at {@code off}, zero-extended to 16 shorts. */
    static ShortVector u8x16(MemorySegment s, long off) {
        return (ShortVector) ByteVector.fromMemorySegment(B128, s, off, LittleEndian.ORDER)
                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
    }

    /**
     * The 16 shorts of {@code p} summed in adjacent pairs into 8 ints, as floats. Exact while every pair sum fits
     * in 16 bits, which the kernels guarantee (|pair sum| &lt; 2^15).
     */
    static FloatVector pairSum(ShortVector p) {
        IntVector pi = p.reinterpretAsInts();
        // The high half of pi + (pi << 16) is hi + lo (mod 2^16); the arithmetic shift brings it down signed.
        return (FloatVector) pi.add(pi.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                .convert(VectorOperators.I2F, 0);
    }

    /**
     * The 16 shorts of {@code p} summed in adjacent pairs into 8 ints, as floats, exactly for any 16-bit lanes
     * (each lane widened on its own before the add; one more instruction than {@link #pairSum}).
     */
    static FloatVector pairSumWide(ShortVector p) {
        IntVector pi = p.reinterpretAsInts();
        return (FloatVector) pi.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(pi.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0);
    }

    private static final int KMASK1 = 0x3f3f3f3f;
    private static final int KMASK2 = 0x0f0f0f0f;
    private static final int KMASK3 = 0x03030303;

    /** The 8 six-bit scales of a Q4_K/Q5_K block, byte j = scale j, from its scales field read as 3 LE ints. */
    static long kScales(int u0, int u1, int u2) {
        int lo = u0 & KMASK1;
        int hi = (u2 & KMASK2) | (((u0 >>> 6) & KMASK3) << 4);
        return (lo & 0xFFFFFFFFL) | ((long) hi << 32);
    }

    /** The 8 six-bit mins of a Q4_K/Q5_K block, byte j = min j (get_scale_min_k4). */
    static long kMins(int u0, int u1, int u2) {
        int lo = u1 & KMASK1;
        int hi = ((u2 >>> 4) & KMASK2) | (((u1 >>> 6) & KMASK3) << 4);
        return (lo & 0xFFFFFFFFL) | ((long) hi << 32);
    }

    /** 1, 2, 4, … 0x8000: lane i holds bit i. */
    private static final short[] LANE_BITS = new short[16];

    static {
        for (int i = 0; i < 16; i++) {
            LANE_BITS[i] = (short) (1 << i);
        }
    }

    static ShortVector laneBits() {
        return ShortVector.fromArray(S, LANE_BITS, 0);
    }

    /** Lane i is −1 where bit i of {@code bits} (low 16 bits) is clear, else 0. */
    static ShortVector clearBits(int bits, ShortVector laneBits) {
        return (ShortVector) ShortVector.broadcast(S, (short) bits).and(laneBits)
                .compare(VectorOperators.EQ, (short) 0).toVector();
    }

    /** table[i] for each index byte i (0..15), sign-extended to 16 shorts. */
    static ShortVector lookup(ByteVector index, ByteVector table) {
        return (ShortVector) index.selectFrom(table).convertShape(VectorOperators.B2S, S, 0);
    }

    /**
     * 8 IEEE halves at {@code off} as floats: the sign-extended half shifted so that sign, exponent and mantissa
     * land in float position (bits 28..30 cleared), times 2^(127−15). Exact for every finite half, subnormals
     * included; infinities and NaNs come out as large finite values (weights are finite; the exact
     * {@link BlockCodec#dequantize} handles them).
     */
    static FloatVector f16x8(MemorySegment s, long off) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S128, s, off, LittleEndian.ORDER).convertShape(VectorOperators.S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFFFFF)
                .reinterpretAsFloats().mul(0x1p112f);
    }

    /** 8 bfloat16 values at {@code off} as floats (exact). */
    static FloatVector bf16x8(MemorySegment s, long off) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S128, s, off, LittleEndian.ORDER).convertShape(VectorOperators.S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static final int[] IOTA = {0, 1, 2, 3, 4, 5, 6, 7};

    /** 0, 1, … 7. */
    static IntVector iota() {
        return IntVector.fromArray(I, IOTA, 0);
    }

    /**
     * The 8 bytes of {@code v} (little-endian order), sign-extended, as 8 floats. (Through a 2-lane long vector:
     * C2 has no 1-lane vectors, and a 64-bit LongVector runs the allocating fallback.)
     */
    static FloatVector bytesToFloats(long v) {
        return (FloatVector) LongVector.broadcast(LongVector.SPECIES_128, v).reinterpretAsBytes()
                .convertShape(VectorOperators.B2F, F, 0);
    }
}
