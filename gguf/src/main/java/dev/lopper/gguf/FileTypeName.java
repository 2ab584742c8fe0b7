package dev.lopper.gguf;

import java.util.Map;
import java.util.Optional;

/**
 * What a {@code general.file_type} value means: llama.cpp's names of its {@code enum llama_ftype}
 * ({@code llama_model_ftype_name} in llama.cpp src/llama-model-loader.cpp, b4748), as llama-bench prints them in its
 * model column. A file type names a mix of tensor types chosen by llama-quantize, not one tensor type.
 */
public final class FileTypeName {
    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(0, "all F32"),
            Map.entry(1, "F16"),
            Map.entry(2, "Q4_0"),
            Map.entry(3, "Q4_1"),
            Map.entry(7, "Q8_0"),
            Map.entry(8, "Q5_0"),
            Map.entry(9, "Q5_1"),
            Map.entry(10, "Q2_K - Medium"),
            Map.entry(11, "Q3_K - Small"),
            Map.entry(12, "Q3_K - Medium"),
            Map.entry(13, "Q3_K - Large"),
            Map.entry(14, "Q4_K - Small"),
            Map.entry(15, "Q4_K - Medium"),
            Map.entry(16, "Q5_K - Small"),
            Map.entry(17, "Q5_K - Medium"),
            Map.entry(18, "Q6_K"),
            Map.entry(19, "IQ2_XXS - 2.0625 bpw"),
            Map.entry(20, "IQ2_XS - 2.3125 bpw"),
            Map.entry(21, "Q2_K - Small"),
            Map.entry(22, "IQ3_XS - 3.3 bpw"),
            Map.entry(23, "IQ3_XXS - 3.0625 bpw"),
            Map.entry(24, "IQ1_S - 1.5625 bpw"),
            Map.entry(25, "IQ4_NL - 4.5 bpw"),
            Map.entry(26, "IQ3_S - 3.4375 bpw"),
            Map.entry(27, "IQ3_S mix - 3.66 bpw"),
            Map.entry(28, "IQ2_S - 2.5 bpw"),
            Map.entry(29, "IQ2_M - 2.7 bpw"),
            Map.entry(30, "IQ4_XS - 4.25 bpw"),
            Map.entry(31, "IQ1_M - 1.75 bpw"),
            Map.entry(32, "BF16"),
            Map.entry(36, "TQ1_0 - 1.69 bpw ternary"),
            Map.entry(37, "TQ2_0 - 2.06 bpw ternary"));

    private FileTypeName() {
    }

    /** llama.cpp's name of file type {@code id}, e.g. {@code Q4_K - Medium} for 15, if it has one. */
    public static Optional<String> of(long id) {
        return id < 0 || id > Integer.MAX_VALUE ? Optional.empty() : Optional.ofNullable(NAMES.get((int) id));
    }
}
