package dev.lopper.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor as described in a GGUF file.
 *
 * @param name   the tensor name
 * @param type   the element type
 * @param shape  the dimensions in ggml order: {@code shape[0]} (ne0) is the row length, i.e. the number of
 *               columns; {@code shape[1]} the number of rows; 1 to 4 entries
 * @param offset the byte offset of the data, relative to the start of the file's data section
 */
public record TensorInfo(String name, GgmlType type, long[] shape, long offset) {

    /** Copies {@code shape}. */
    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        shape = Objects.requireNonNull(shape, "shape").clone();
    }

    /** A copy of the dimensions, ne0 first. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The number of dimensions. */
    public int dims() {
        return shape.length;
    }

    /** Dimension {@code i} (ne_i), or 1 for {@code i >= dims()}. */
    public long ne(int i) {
        if (i < 0) {
            throw new IndexOutOfBoundsException("dimension " + i);
        }
        return i < shape.length ? shape[i] : 1;
    }

    /** The product of the dimensions. @throws ArithmeticException on overflow */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Bytes of data: {@code type().byteSize(elementCount())}. */
    public long byteSize() {
        return type.byteSize(elementCount());
    }

    /** The row length ne0 (1 for a tensor with no dimensions). */
    public long columns() {
        return ne(0);
    }

    /** The number of rows: all elements divided by ne0 (ne1 * ne2 * ne3). */
    public long rows() {
        long ne0 = ne(0);
        return ne0 == 0 ? 0 : elementCount() / ne0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && t.name.equals(name) && t.type == type && t.offset == offset
                && Arrays.equals(t.shape, shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, offset) * 31 + Arrays.hashCode(shape);
    }

    /** E.g. {@code TensorInfo['blk.0.attn_q.weight' Q8_0 [256, 256] @0]}. */
    @Override
    public String toString() {
        return "TensorInfo[" + GgufFormatException.quote(name) + " " + type + " " + Arrays.toString(shape) + " @"
                + offset + "]";
    }
}
