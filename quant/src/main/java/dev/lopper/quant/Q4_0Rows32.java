package dev.lopper.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.lopper.quant.LittleEndian.I16;
import static dev.lopper.quant.LittleEndian.ORDER;

/**
 * Q4_0 repacked at load for 32 rows at a time ({@link Rows32}'s interleaving of {@code block_q4_0}: 8 chunks, then
 * the scales), so that one vector holds 32 rows: the decode kernels ({@link Q4_0Rows32Kernel512},
 * {@link Q4_0Rows32Kernel256}) multiply whole vectors by one broadcast activation and accumulate each row's
 * Σ (q − 8)·x in its own 16-bit lane, with no horizontal sums and no byte shuffles. A chunk's 16-bit lane holds
 * nibbles (from bit 0) of weights 2k, 2k+16, 2k+1, 2k+17 of its block, as ggml's {@code qs} bytes do.
 *
 * <p>Exactness: Σ q·x over a block can exceed 16 bits (q ≤ 15, |x| ≤ 127), but the kernels start each lane at
 * −8·Σ x and add in wrapping 16-bit arithmetic, so the lane ends at Σ (q − 8)·x modulo 2^16, and that value
 * (|.| ≤ 32·8·127 &lt; 2^15) is then exact.
 */
final class Q4_0Rows32 {

    private static final int ROWS = Rows32.ROWS;
    private static final int QK = Rows32.QK;
    private static final int BLOCK_BYTES = 18;
    /** Bytes of one block column of a group: 32 blocks. */
    static final int COLUMN_BYTES = Rows32.columnBytes(BLOCK_BYTES);
    /** Offset of the scales within a block column. */
    static final int SCALES = Rows32.scales(BLOCK_BYTES);

    private Q4_0Rows32() {
    }

    /** Weight {@code c} of row {@code r} of a repacked matrix, dequantized as {@link Q4_0Codec} does. */
    static float weight(MemorySegment w, long rowBytes, int r, int c) {
        long col = Rows32.lane(rowBytes, BLOCK_BYTES, r, c / QK);
        int j = c % QK;
        int pair = w.get(I16, col + 64L * ((j % 16) / 2)) & 0xFFFF;
        int q = (pair >>> (4 * (2 * (j & 1) + j / 16))) & 0xF;
        return (q - 8) * Float.float16ToFloat(w.get(I16, col + SCALES));
    }


    /**
     * Dequantizes the group at {@code offset} column by column: {@code y[c·32 + r] = W[r][c]} for its 32 rows, bit
     * for bit as {@link Q4_0Codec#dequantize} ({@code (q − 8) · d} in float). Vectors of {@code F}'s width, each
     * holding rows that are consecutive in the 32-bit lanes' halves (rows 0..15 low, 16..31 high), at the kernels'
     * width. {@code y} holds at least {@code 32 · cols} floats.
     */
    static void dequantizeGroup(MemorySegment w, long offset, int cols, float[] y) {
        int n = Rows32.IS.length();
        for (int b = 0; b < cols / QK; b++) {
            long col = offset + (long) b * COLUMN_BYTES;
            int yb = b * QK * ROWS;
            for (int h = 0; h < 16; h += n) { // lanes 2h .. 2(h+n): rows h.. (low halves) and 16+h.. (high)
                IntVector sc = IntVector.fromMemorySegment(Rows32.IS, w, col + SCALES + 4L * h, ORDER);
                FloatVector dLo = Rows32.scalesLow(sc);
                FloatVector dHi = Rows32.scalesHigh(sc);
                for (int k = 0; k < 8; k++) {
                    IntVector v = IntVector.fromMemorySegment(Rows32.IS, w, col + 64L * k + 4L * h, ORDER);
                    // low halves (rows h..): nibbles at bits 0, 4, 8, 12; high halves (rows 16+h..): 16, 20, 24, 28
                    for (int s = 0; s < 4; s++) { // nibble s holds weight 2k + 16·(s & 1) + (s >> 1)
                        IntVector lo = v.lanewise(VectorOperators.LSHR, 4 * s).and(0xF).sub(8);
                        IntVector hi = v.lanewise(VectorOperators.LSHR, 16 + 4 * s).and(0xF).sub(8);
                        int at = yb + (2 * k + 16 * (s & 1) + (s >> 1)) * ROWS;
                        ((FloatVector) lo.convert(VectorOperators.I2F, 0)).mul(dLo).intoArray(y, at + h);
                        ((FloatVector) hi.convert(VectorOperators.I2F, 0)).mul(dHi).intoArray(y, at + 16 + h);
                    }
                }
            }
        }
    }
}
