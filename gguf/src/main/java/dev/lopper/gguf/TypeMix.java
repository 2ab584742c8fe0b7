package dev.lopper.gguf;

import java.util.Comparator;
import java.util.Map;
import java.util.stream.Collectors;

/** How many tensors of each type a model holds, written in one line for summaries. */
public final class TypeMix {
    private TypeMix() {
    }

    /**
     * A tensor-count summary such as {@code Q4_K:133 Q5_0:12 Q6_K:13 Q8_0:12 F32:49}, the types ordered by bits
     * per weight.
     */
    public static String describe(Map<GgmlType, Integer> counts) {
        return counts.entrySet().stream()
                .sorted(Comparator.comparingDouble((Map.Entry<GgmlType, Integer> e) -> bitsPerWeight(e.getKey()))
                        .thenComparing(e -> e.getKey().name()))
                .map(e -> e.getKey().name() + ":" + e.getValue())
                .collect(Collectors.joining(" "));
    }

    /** Bits per weight of a type (4.5 for Q4_0). */
    public static double bitsPerWeight(GgmlType t) {
        return 8.0 * t.typeSize() / t.blockSize();
    }
}
