package dev.lopper.convert.io;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor of a checkpoint, located but not read: its name, element type, shape in the checkpoint's order (row-major,
 * outermost first, as PyTorch and safetensors give it), and the byte range of its contiguous data in {@code file}.
 * Readers create it only after checking that the range lies within the file and matches the shape.
 */
public record StoredTensor(String name, Dtype dtype, long[] shape, Path file, long offset) {
    public StoredTensor {
        Objects.requireNonNull(name);
        Objects.requireNonNull(dtype);
        Objects.requireNonNull(file);
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** The size of dimension {@code i}. */
    public long dim(int i) {
        return shape[i];
    }

    /** The number of elements (the product of the shape; 1 for a scalar). */
    public long elements() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** The number of data bytes. */
    public long byteSize() {
        return Math.multiplyExact(elements(), dtype.bytes());
    }

    /** The shape as text, e.g. {@code [4096, 11008]}. */
    public String shapeText() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredTensor t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && file.equals(t.file) && offset == t.offset;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), file, offset);
    }
}
