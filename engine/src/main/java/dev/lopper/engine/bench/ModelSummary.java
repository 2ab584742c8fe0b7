package dev.lopper.engine.bench;

import dev.lopper.engine.model.BlockWeights;
import dev.lopper.engine.model.LlamaModel;
import dev.lopper.engine.model.LlamaWeights;
import dev.lopper.gguf.FileTypeName;
import dev.lopper.gguf.GgmlType;
import dev.lopper.gguf.GgufFile;
import dev.lopper.gguf.GgufMetadata;
import dev.lopper.gguf.TensorInfo;
import dev.lopper.gguf.TypeMix;
import dev.lopper.quant.WeightMatrix;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a benchmark row says about the model.
 *
 * @param path          the file
 * @param name          {@code general.name}, or the file name
 * @param modelType     llama-bench's {@code model_type}: architecture, size and file type, e.g.
 *                      {@code llama 1.3B Q4_0}
 * @param sizeBytes     bytes of tensor data (llama-bench's {@code model_size}; the file adds the metadata)
 * @param fileBytes     bytes of the file
 * @param parameters    elements of all tensors (llama-bench's {@code model_n_params})
 * @param tensorsByType tensor count per type
 * @param repacked      matrices repacked at load for faster kernels ({@code dev.lopper.quant.WeightLoader}); 0 with
 *                      {@code --no-repack}
 */
public record ModelSummary(Path path, String name, String modelType, long sizeBytes, long fileBytes,
                           long parameters, Map<GgmlType, Integer> tensorsByType, int repacked) {
    public ModelSummary {
        tensorsByType = Collections.unmodifiableMap(new EnumMap<>(tensorsByType));
    }

    /** The summary of a loaded model. */
    public static ModelSummary of(LlamaModel model) {
        GgufFile file = model.file();
        long bytes = 0;
        long params = 0;
        Map<GgmlType, Integer> counts = new EnumMap<>(GgmlType.class);
        Map<GgmlType, Long> bytesByType = new EnumMap<>(GgmlType.class);
        for (TensorInfo t : file.tensors()) {
            bytes += t.byteSize();
            params += t.elementCount();
            counts.merge(t.type(), 1, Integer::sum);
            bytesByType.merge(t.type(), t.byteSize(), Long::sum);
        }
        GgufMetadata md = file.metadata();
        String arch = model.config().architecture();
        String ftype = md.has("general.file_type")
                ? FileTypeName.of(md.getLong("general.file_type"))
                        .orElse("file type " + md.getLong("general.file_type"))
                : bytesByType.entrySet().stream().max(Comparator.comparingLong(Map.Entry::getValue))
                        .map(e -> e.getKey().name() + " (guessed)").orElse("?");
        String modelType = arch + " " + sizeLabel(params) + " " + ftype;
        return new ModelSummary(file.path(), model.config().name(), modelType, bytes, file.fileSize(), params,
                counts, repacked(model.weights()));
    }

    private static int repacked(LlamaWeights w) {
        List<WeightMatrix> all = new ArrayList<>(List.of(w.tokenEmbedding(), w.output()));
        for (BlockWeights b : w.blocks()) {
            all.addAll(List.of(b.wq(), b.wk(), b.wv(), b.wo(), b.wGate(), b.wUp(), b.wDown()));
        }
        return (int) all.stream().distinct().filter(m -> m.layout() != WeightMatrix.Layout.GGML).count();
    }

    /** The file name. */
    public String fileName() {
        Path f = path.getFileName();
        return f == null ? path.toString() : f.toString();
    }

    /** For example {@code Q4_K:133 Q5_0:12 Q6_K:13 Q8_0:12 F32:49}. */
    public String typeMix() {
        return TypeMix.describe(tensorsByType);
    }

    /** {@code 1.3B}, {@code 260K}. */
    static String sizeLabel(long params) {
        if (params >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.1fB", params / 1e9);
        }
        if (params >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.0fM", params / 1e6);
        }
        return String.format(Locale.ROOT, "%.0fK", params / 1e3);
    }
}
