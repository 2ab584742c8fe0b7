package dev.lopper.convert;

import dev.lopper.gguf.GgmlType;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a conversion wrote.
 *
 * @param output    the GGUF file
 * @param outType   the requested out type
 * @param tensors   one entry per tensor written, in file order
 * @param notes     things the user should know (ignored config ids, padded vocabulary, unrecognized pre-tokenizer)
 * @param fileBytes the size of the written file
 * @param nanos     wall time of the conversion
 */
public record ConversionReport(Path output, OutType outType, List<TensorReport> tensors, List<String> notes,
                               long fileBytes, long nanos) {

    /**
     * One tensor written.
     *
     * @param name     GGUF name
     * @param source   where it came from, e.g. {@code F16} or {@code GPTQ 4-bit g128 asym}
     * @param type     the type written
     * @param shape    GGUF shape (ne0 first)
     * @param maxError the largest |written − source| over its weights, the source being the checkpoint's values
     *                 (for GPTQ, the exactly dequantized weights)
     * @param exact    true when the GPTQ blocks were mapped exactly (not re-quantized)
     */
    public record TensorReport(String name, String source, GgmlType type, long[] shape, double maxError,
                               boolean exact) {
        @Override
        public long[] shape() {
            return shape.clone();
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s %s %s <- %s, max error %.3g%s", name, type, Arrays.toString(shape),
                    source, maxError, exact ? " (exact GPTQ map)" : "");
        }
    }

    public ConversionReport {
        tensors = List.copyOf(tensors);
        notes = List.copyOf(notes);
    }

    /** How many tensors of each type were written. */
    public Map<GgmlType, Integer> typeCounts() {
        Map<GgmlType, Integer> m = new EnumMap<>(GgmlType.class);
        for (TensorReport t : tensors) {
            m.merge(t.type(), 1, Integer::sum);
        }
        return m;
    }

    /** The largest error of the tensors that came from GPTQ, or 0 if none did. */
    public double maxGptqError() {
        return tensors.stream().filter(t -> t.source().startsWith("GPTQ")).mapToDouble(TensorReport::maxError)
                .max().orElse(0);
    }

    /** One line: tensors by type, file size, largest GPTQ error, time. */
    public String summary() {
        String types = typeCounts().entrySet().stream().map(e -> e.getValue() + " " + e.getKey())
                .collect(Collectors.joining(", "));
        long gptq = tensors.stream().filter(t -> t.source().startsWith("GPTQ")).count();
        return String.format(Locale.ROOT, "wrote %s: %d tensors (%s), %.1f MiB%s in %.1f s", output.getFileName(),
                tensors.size(), types, fileBytes / 1048576.0,
                gptq == 0 ? "" : String.format(Locale.ROOT, ", %d GPTQ tensors (largest error %.3g)", gptq,
                        maxGptqError()), nanos / 1e9);
    }
}
