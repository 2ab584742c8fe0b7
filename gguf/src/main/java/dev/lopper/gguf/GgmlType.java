package dev.lopper.gguf;

import java.util.Optional;

/**
 * Every tensor type id of ggml's {@code enum ggml_type} (ggml/include/ggml.h, upstream as of 2026), with the block
 * geometry that GGUF tensor sizes are computed from: {@code bytes = elements / blockSize * typeSize}.
 *
 * <p>Ids that ggml removed from GGUF files (Q4_2, Q4_3, the repacked Q4_0_x_x and IQ4_NL_x_x) are not constants;
 * {@link #removedName(int)} names them so a reader can reject them by name.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),
    Q8_1(9, 32, 36),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    Q8_K(15, 256, 292),
    IQ2_XXS(16, 256, 66),
    IQ2_XS(17, 256, 74),
    IQ3_XXS(18, 256, 98),
    IQ1_S(19, 256, 50),
    IQ4_NL(20, 32, 18),
    IQ3_S(21, 256, 110),
    IQ2_S(22, 256, 82),
    IQ4_XS(23, 256, 136),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 56),
    BF16(30, 1, 2),
    TQ1_0(34, 256, 54),
    TQ2_0(35, 256, 66),
    MXFP4(39, 32, 17),
    NVFP4(40, 64, 36),
    Q1_0(41, 128, 18);

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType t : values()) {
            BY_ID[t.id] = t;
        }
    }

    private final int id;
    private final int blockSize;
    private final int typeSize;

    GgmlType(int id, int blockSize, int typeSize) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
    }

    /** The numeric id stored in GGUF tensor infos. */
    public int id() {
        return id;
    }

    /** Elements per block (1 for plain scalar types). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int typeSize() {
        return typeSize;
    }

    /** True for types whose blocks hold one element (F32, F16, BF16, I8 ... F64). */
    public boolean isScalar() {
        return blockSize == 1;
    }

    /**
     * Bytes taken by {@code elements} elements of this type.
     *
     * @throws IllegalArgumentException if {@code elements} is not a multiple of the block size
     */
    public long byteSize(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(
                    elements + " elements is not a multiple of the " + name() + " block size " + blockSize);
        }
        return Math.multiplyExact(elements / blockSize, (long) typeSize);
    }

    /** The type with this id, if ggml still defines it. */
    public static Optional<GgmlType> fromId(long id) {
        if (id < 0 || id >= BY_ID.length) {
            return Optional.empty();
        }
        return Optional.ofNullable(BY_ID[(int) id]);
    }

    /** The name of a type id that ggml once defined and has since removed from GGUF files, if this is one. */
    public static Optional<String> removedName(long id) {
        return Optional.ofNullable(switch ((int) Math.min(id, Integer.MAX_VALUE)) {
            case 4 -> "Q4_2";
            case 5 -> "Q4_3";
            case 31 -> "Q4_0_4_4";
            case 32 -> "Q4_0_4_8";
            case 33 -> "Q4_0_8_8";
            case 36 -> "IQ4_NL_4_4";
            case 37 -> "IQ4_NL_4_8";
            case 38 -> "IQ4_NL_8_8";
            default -> null;
        });
    }
}
