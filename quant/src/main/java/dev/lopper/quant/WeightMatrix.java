package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * A 2-D weight tensor read in place from a mapped file: {@code rows} rows of {@code cols} elements, each row
 * {@link #rowBytes()} bytes of {@code type} blocks. Row {@code r} of the ggml tensor is output feature {@code r}.
 */
public record WeightMatrix(String name, GgmlType type, MemorySegment data, int rows, int cols) {

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
    }

    /** Bytes of one row. */
    public long rowBytes() {
        return type.byteSize(cols);
    }

    /** The codec for this matrix's type. */
    public BlockCodec codec() {
        return BlockCodec.of(type);
    }

    /** Dequantizes row {@code r} into {@code dst[dstOffset .. dstOffset+cols)}. */
    public void row(int r, float[] dst, int dstOffset) {
        codec().dequantize(data, r * rowBytes(), dst, dstOffset, cols);
    }
}
