package dev.lopper.convert;

import dev.lopper.gguf.GgmlType;

import java.util.Arrays;
import java.util.Locale;

/**
 * The tensor type of a converted model's matrices ({@code --outtype}). Norms and other vectors are always F32.
 * {@link #AUTO} keeps the checkpoint's float type (F16 when its first float matrix is fp16, BF16 otherwise, as
 * llama.cpp's converter does) and maps GPTQ tensors exactly onto Q4_0/Q4_1 where they fit (else Q8_0). The
 * quantized types fall back to F16 for a matrix whose rows are not a multiple of 32.
 */
public enum OutType {
    AUTO(null), F32(GgmlType.F32), F16(GgmlType.F16), BF16(GgmlType.BF16), Q8_0(GgmlType.Q8_0),
    Q4_0(GgmlType.Q4_0), Q4_1(GgmlType.Q4_1);

    private final GgmlType type;

    OutType(GgmlType type) {
        this.type = type;
    }

    /** The ggml type, or null for {@link #AUTO}. */
    public GgmlType type() {
        return type;
    }

    /** Parses {@code auto}, {@code f16}, {@code q8_0}, ... (any case). */
    public static OutType parse(String s) {
        for (OutType t : values()) {
            if (t.name().equalsIgnoreCase(s.trim())) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown outtype '" + s + "'; valid: "
                + Arrays.stream(values()).map(t -> t.name().toLowerCase(Locale.ROOT)).toList());
    }
}
