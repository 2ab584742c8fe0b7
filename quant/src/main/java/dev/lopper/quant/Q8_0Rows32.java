package dev.lopper.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.lopper.quant.LittleEndian.I16;
import static dev.lopper.quant.LittleEndian.ORDER;

/**
 * Q8_0 repacked at load for 32 rows at a time ({@link Rows32}'s interleaving of {@code block_q8_0}: 16 chunks, then
 * the scales). A chunk's 16-bit lane holds weights 2k (low byte) and 2k+1 (high byte) of its row's block, so the
 * decode kernels ({@link Q8_0Rows32Kernel512}, {@link Q8_0Rows32Kernel256}) sign-extend each byte in place with two
 * shifts, multiply by the broadcast int8 activation, add the two products in 16 bits (|.| ≤ 2·128·127 &lt; 2^15)
 * and widen that sum into 32-bit accumulators, one lane per row.
 */
final class Q8_0Rows32 {

    private static final int ROWS = Rows32.ROWS;
    private static final int QK = Rows32.QK;
    private static final int BLOCK_BYTES = 34;
    /** Bytes of one block column of a group: 32 blocks. */
    static final int COLUMN_BYTES = Rows32.columnBytes(BLOCK_BYTES);
    /** Offset of the scales within a block column. */
    static final int SCALES = Rows32.scales(BLOCK_BYTES);

    private Q8_0Rows32() {
    }

    /** Weight {@code c} of row {@code r} of a repacked matrix, dequantized as {@link Q8_0Codec} does. */
    static float weight(MemorySegment w, long rowBytes, int r, int c) {
        long col = Rows32.lane(rowBytes, BLOCK_BYTES, r, c / QK);
        int j = c % QK;
        short pair = w.get(I16, col + 64L * (j / 2));
        int q = (j & 1) == 0 ? (byte) pair : pair >> 8;
        return q * Float.float16ToFloat(w.get(I16, col + SCALES));
    }


    /**
     * Dequantizes the group at {@code offset} column by column: {@code y[c·32 + r] = W[r][c]} for its 32 rows, bit
     * for bit as {@link Q8_0Codec#dequantize} ({@code q · d} in float), at the kernels' width. {@code y} holds at
     * least {@code 32 · cols} floats.
     */
    static void dequantizeGroup(MemorySegment w, long offset, int cols, float[] y) {
        int n = Rows32.IS.length();
        for (int b = 0; b < cols / QK; b++) {
            long col = offset + (long) b * COLUMN_BYTES;
            int yb = b * QK * ROWS;
            for (int h = 0; h < 16; h += n) { // int lanes h..: rows h.. (low halves) and 16+h.. (high halves)
                IntVector sc = IntVector.fromMemorySegment(Rows32.IS, w, col + SCALES + 4L * h, ORDER);
                FloatVector dLo = Rows32.scalesLow(sc);
                FloatVector dHi = Rows32.scalesHigh(sc);
                for (int k = 0; k < 16; k++) {
                    IntVector v = IntVector.fromMemorySegment(Rows32.IS, w, col + 64L * k + 4L * h, ORDER);
                    int at = yb + 2 * k * ROWS + h;
                    // bytes from bit 0: row h's weights 2k, 2k+1, then row 16+h's weights 2k, 2k+1
                    ((FloatVector) v.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24)
                            .convert(VectorOperators.I2F, 0)).mul(dLo).intoArray(y, at);
                    ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24)
                            .convert(VectorOperators.I2F, 0)).mul(dLo).intoArray(y, at + ROWS);
                    ((FloatVector) v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24)
                            .convert(VectorOperators.I2F, 0)).mul(dHi).intoArray(y, at + 16);
                    ((FloatVector) v.lanewise(VectorOperators.ASHR, 24)
                            .convert(VectorOperators.I2F, 0)).mul(dHi).intoArray(y, at + ROWS + 16);
                }
            }
        }
    }
}
