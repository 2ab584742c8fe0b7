package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import java.util.Objects;

/** Argument checks shared by the codecs. */
final class Checks {

    private Checks() {
    }

    /**
     * The number of blocks in {@code n} elements of {@code type}, after checking that {@code n} is a non-negative
     * multiple of the block size and that {@code array[arrayOffset .. arrayOffset+n)} is in bounds.
     */
    static int blocks(GgmlType type, int n, float[] array, int arrayOffset) {
        if (n < 0 || n % type.blockSize() != 0) {
            throw new IllegalArgumentException(
                    n + " elements is not a multiple of the " + type + " block size " + type.blockSize());
        }
        Objects.checkFromIndexSize(arrayOffset, n, array.length);
        return n / type.blockSize();
    }
}
