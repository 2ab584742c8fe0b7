package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

import static dev.lopper.quant.LittleEndian.I16;

/**
 * The row interleaving shared by the repacked layouts of ggml's {@code block_q4_0} and {@code block_q8_0}
 * ({@link Q4_0Rows32}, {@link Q8_0Rows32}): blocks of an f16 scale {@code d} followed by {@code qs} bytes,
 * regrouped so that one vector holds 32 rows. Same bytes as the ggml rows, reordered:
 * <pre>
 *   a matrix    = groups of 32 rows, in order
 *   a group     = its cols/32 block columns, in order
 *   a block column (32 blocks, one per row of the group):
 *     qs/2 chunks of 64 bytes: chunk k, 16-bit lane L = bytes qs[2k], qs[2k+1] of row row(L)'s block, as in ggml
 *     64 bytes:                lane L = the f16 d of row row(L)'s block
 * </pre>
 * where {@code row(L) = L/2} for even L and {@code 16 + L/2} for odd L: read as 32-bit lanes, the low halves are
 * rows 0..15 and the high halves rows 16..31, so both sign-extend straight into rows in order.
 */
final class Rows32 {

    /** Rows per group. */
    static final int ROWS = 32;
    /** Weights per block. */
    static final int QK = 32;

    /** The int species of the group dequantizers (prompt processing): the kernels' width ({@link RowKernel#BITS}). */
    static final VectorSpecies<Integer> IS = RowKernel.BITS >= 512 ? IntVector.SPECIES_512 : IntVector.SPECIES_256;

    private Rows32() {
    }

    /** The f16 scales in the low halves of int lanes of a scales run (rows 0..15 of a group) as floats, exactly. */
    static FloatVector scalesLow(IntVector scales) {
        return Lanes512.halves(scales.lanewise(VectorOperators.LSHL, 16), 0x1p112f);
    }

    /** The f16 scales in the high halves of int lanes of a scales run (rows 16..31 of a group) as floats, exactly. */
    static FloatVector scalesHigh(IntVector scales) {
        return Lanes512.halves(scales, 0x1p112f);
    }

    /** Whether a matrix of this type and shape has a repacked layout: Q4_0 or Q8_0 rows in whole groups. */
    static boolean fits(GgmlType type, int rows, int cols) {
        return (type == GgmlType.Q4_0 || type == GgmlType.Q8_0) && rows > 0 && rows % ROWS == 0 && cols > 0
                && cols % QK == 0;
    }

    /** The 16-bit lane of a group's vectors holding row {@code r} (0..31): the inverse of row(L). */
    static int lane(int r) {
        return r < 16 ? 2 * r : 2 * (r - 16) + 1;
    }

    /** Bytes of one block column: 32 blocks of {@code blockBytes}. */
    static int columnBytes(int blockBytes) {
        return ROWS * blockBytes;
    }

    /** Offset of the scales within a block column: after the (blockBytes − 2) / 2 chunks. */
    static int scales(int blockBytes) {
        return (blockBytes - 2) / 2 * 64;
    }

    /** Byte offset of row {@code r}'s lane in block column {@code b} of a repacked matrix, from its start. */
    static long lane(long rowBytes, int blockBytes, int r, int b) {
        return (long) (r / ROWS) * ROWS * rowBytes + (long) b * columnBytes(blockBytes) + 2L * lane(r % ROWS);
    }

    /**
     * Dequantizes row {@code r} of a repacked Q4_0 or Q8_0 matrix into {@code dst[dstOff .. + cols)}, weight by
     * weight as its codec does (scalar: for embedding lookups).
     */
    static void dequantizeRow(GgmlType type, MemorySegment w, long rowBytes, int r, int cols, float[] dst,
                              int dstOff) {
        for (int c = 0; c < cols; c++) {
            dst[dstOff + c] = type == GgmlType.Q4_0 ? Q4_0Rows32.weight(w, rowBytes, r, c)
                    : Q8_0Rows32.weight(w, rowBytes, r, c);
        }
    }

    /**
     * Repacks one group: the 32 ggml rows of {@code blockBytes}-byte blocks at {@code src[srcOff ..]}
     * ({@code rowBytes} apart, {@code nb} blocks each) into the group at {@code dst[dstOff ..]}.
     */
    static void repackGroup(MemorySegment src, long srcOff, long rowBytes, int nb, int blockBytes, MemorySegment dst,
                            long dstOff) {
        int chunks = (blockBytes - 2) / 2;
        int column = columnBytes(blockBytes);
        int scales = scales(blockBytes);
        for (int r = 0; r < ROWS; r++) {
            long row = srcOff + r * rowBytes;
            long lane = 2L * lane(r);
            for (int b = 0; b < nb; b++) {
                long blk = row + (long) b * blockBytes;
                long col = dstOff + (long) b * column + lane;
                for (int k = 0; k < chunks; k++) {
                    dst.set(I16, col + 64L * k, src.get(I16, blk + 2 + 2L * k));
                }
                dst.set(I16, col + scales, src.get(I16, blk));
            }
        }
    }
}
