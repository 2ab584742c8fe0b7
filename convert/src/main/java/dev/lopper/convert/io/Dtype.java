package dev.lopper.convert.io;

/** The element types a checkpoint's tensors may have, with their size in bytes. */
public enum Dtype {
    F16(2), BF16(2), F32(4), I32(4), I64(8);

    private final int bytes;

    Dtype(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** True for the three float types. */
    public boolean isFloat() {
        return this == F16 || this == BF16 || this == F32;
    }
}
