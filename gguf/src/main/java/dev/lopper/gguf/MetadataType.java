package dev.lopper.gguf;

import java.util.Optional;

/** The value types of GGUF metadata ({@code gguf_metadata_value_type}), with their ids as stored in the file. */
public enum MetadataType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    STRING(8, -1),
    ARRAY(9, -1),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private static final MetadataType[] BY_ID = values();

    private final int id;
    private final int size;

    MetadataType(int id, int size) {
        this.id = id;
        this.size = size;
    }

    /** The id stored in the file. */
    public int id() {
        return id;
    }

    /** Bytes per value for fixed-size types; -1 for {@link #STRING} and {@link #ARRAY}. */
    public int size() {
        return size;
    }

    /** True for the eight integer types (not {@link #BOOL}). */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    /** True for the integer and floating point types. */
    public boolean isNumeric() {
        return isInteger() || this == FLOAT32 || this == FLOAT64;
    }

    /** True for UINT8, UINT16, UINT32 and UINT64. */
    public boolean isUnsigned() {
        return this == UINT8 || this == UINT16 || this == UINT32 || this == UINT64;
    }

    /** The type with this id, if there is one. */
    public static Optional<MetadataType> fromId(long id) {
        return id >= 0 && id < BY_ID.length ? Optional.of(BY_ID[(int) id]) : Optional.empty();
    }
}
