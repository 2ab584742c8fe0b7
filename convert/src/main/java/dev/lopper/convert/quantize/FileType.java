package dev.lopper.convert.quantize;

import dev.lopper.gguf.FileTypeName;
import dev.lopper.gguf.GgmlType;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The file types {@code lopper synth} and {@code lopper quantize} write: llama.cpp's {@code llama_ftype} values
 * (stored as {@code general.file_type}) that have a quantizer here. A file type names a mix, not one tensor type:
 * {@link QuantMix} says which type each tensor gets.
 */
public enum FileType {
    F32(0, GgmlType.F32),
    F16(1, GgmlType.F16),
    BF16(32, GgmlType.BF16),
    Q8_0(7, GgmlType.Q8_0),
    Q4_0(2, GgmlType.Q4_0),
    Q4_1(3, GgmlType.Q4_1),
    Q5_0(8, GgmlType.Q5_0),
    Q5_1(9, GgmlType.Q5_1),
    Q2_K(10, GgmlType.Q2_K),
    Q3_K_S(11, GgmlType.Q3_K),
    Q3_K_M(12, GgmlType.Q3_K),
    Q3_K_L(13, GgmlType.Q3_K),
    Q4_K_S(14, GgmlType.Q4_K),
    Q4_K_M(15, GgmlType.Q4_K),
    Q5_K_S(16, GgmlType.Q5_K),
    Q5_K_M(17, GgmlType.Q5_K),
    Q6_K(18, GgmlType.Q6_K);

    private final int id;
    private final GgmlType baseType;

    FileType(int id, GgmlType baseType) {
        this.id = id;
        this.baseType = baseType;
    }

    /** The {@code llama_ftype} number written as {@code general.file_type}. */
    public int id() {
        return id;
    }

    /** The type most 2-D tensors get (llama-quantize's {@code default_type}). */
    public GgmlType baseType() {
        return baseType;
    }

    /** llama.cpp's name for the file type ({@code llama_model_ftype_name}), as in llama-bench's model column. */
    public String displayName() {
        return FileTypeName.of(id).orElseThrow();
    }

    /** Whether the base type is a block-quantized type (not F32, F16 or BF16). */
    public boolean quantized() {
        return baseType.blockSize() > 1;
    }

    /** The file type with {@code general.file_type} = {@code id}, if it is one of these. */
    public static Optional<FileType> ofId(long id) {
        return Arrays.stream(values()).filter(t -> t.id == id).findFirst();
    }

    /** Every name, comma-separated, for error messages. */
    public static String names() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }

    /**
     * The file type called {@code name}, case-insensitive ({@code q4_k_m}, {@code Q4_K_M}).
     *
     * @throws IllegalArgumentException naming the valid types when there is none
     */
    public static FileType parse(String name) {
        String key = name == null ? "" : name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (FileType t : values()) {
            if (t.name().equals(key)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown type '" + name + "'; valid types: " + names());
    }
}
