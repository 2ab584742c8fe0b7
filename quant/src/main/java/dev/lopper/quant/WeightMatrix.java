package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * A 2-D weight tensor: {@code rows} rows of {@code cols} elements of {@code type}, {@link #rowBytes()} bytes per
 * row, in {@code data} laid out as {@code layout} says: ggml's rows as in the file (read in place from the mapping),
 * or a load-time repacking of the same bytes ({@link WeightLoader}). Row {@code r} of the ggml tensor is output
 * feature {@code r}.
 */
public record WeightMatrix(String name, GgmlType type, MemorySegment data, int rows, int cols, Layout layout) {

    /** How the blocks of a matrix are ordered in its segment. */
    public enum Layout {
        /** ggml's: row after row, each {@link #rowBytes()} of blocks. */
        GGML,
        /** Q4_0 or Q8_0 interleaved for 32 rows at a time ({@link Rows32}); rows a multiple of 32. */
        ROWS32
    }

    public WeightMatrix {
        if (cols % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "': row length " + cols
                    + " is not a multiple of the " + type + " block size " + type.blockSize());
        }
        long need = (long) rows * type.byteSize(cols);
        if (data.byteSize() < need) {
            throw new IllegalArgumentException("tensor '" + name + "': " + data.byteSize()
                    + " bytes hold less than " + rows + "x" + cols + " " + type);
        }
        if (layout == Layout.ROWS32 && !Rows32.fits(type, rows, cols)) {
            throw new IllegalArgumentException("tensor '" + name + "': " + rows + "x" + cols + " " + type
                    + " cannot be laid out as " + layout);
        }
    }

    /** A matrix in ggml's layout, as in the file. */
    public WeightMatrix(String name, GgmlType type, MemorySegment data, int rows, int cols) {
        this(name, type, data, rows, cols, Layout.GGML);
    }

    /** Bytes of one row. */
    public long rowBytes() {
        return type.byteSize(cols);
    }

    /** The codec for this matrix's type (its blocks; in a repacked layout they are not in row order). */
    public BlockCodec codec() {
        return BlockCodec.of(type);
    }

    /** Dequantizes row {@code r} into {@code dst[dstOffset .. dstOffset+cols)}. */
    public void row(int r, float[] dst, int dstOffset) {
        if (layout == Layout.ROWS32) {
            Rows32.dequantizeRow(type, data, rowBytes(), r, cols, dst, dstOffset);
        } else {
            codec().dequantize(data, r * rowBytes(), dst, dstOffset, cols);
        }
    }
}
