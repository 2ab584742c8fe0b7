package dev.lopper.convert.quantize;

import dev.lopper.gguf.GgmlType;
import dev.lopper.gguf.GgufFile;
import dev.lopper.gguf.GgufMetadata;
import dev.lopper.gguf.GgufWriter;
import dev.lopper.gguf.TensorInfo;
import dev.lopper.gguf.TypeMix;
import dev.lopper.quant.BlockCodec;
import dev.lopper.quant.BlockQuantizer;
import dev.lopper.quant.ThreadPool;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code lopper quantize}: rewrites a GGUF model with the tensor types of a {@link FileType}, as llama-quantize does
 * without an importance matrix. The types come from {@link QuantMix}; tensors are visited and written in
 * llama-quantize's order. Every metadata key is copied ({@code general.quantization_version} and
 * {@code general.file_type} set last, split keys dropped), so per-layer arrays and gaps in the block numbering stay
 * as they are.
 *
 * <p>One tensor at a time: a tensor that keeps its type is copied from the input's mapping; any other is dequantized
 * to F32 a few rows at a time and quantized with {@link BlockQuantizer} (ggml's reference quantizers) into one
 * reused buffer the size of the largest output tensor. {@link GgufWriter} writes a temporary file next to the target
 * and renames it only when complete, so a failed run leaves nothing and an existing target is replaced whole.
 */
public final class GgufQuantizer {
    /** Floats dequantized at once per thread (4 MiB). */
    private static final int CHUNK_FLOATS = 1 << 20;
    private static final String[] SPLIT_KEYS = {"split.no", "split.count", "split.tensors.count"};

    private GgufQuantizer() {
    }

    /**
     * What to write.
     *
     * @param fileType         the target file type
     * @param pure             {@code --pure}: the base type for every quantized tensor, no per-tensor rules
     * @param outputTensorType {@code --output-tensor-type}, or null
     * @param allowRequantize  {@code --allow-requantize}: quantize tensors that already are block-quantized
     */
    public record Options(FileType fileType, boolean pure, GgmlType outputTensorType, boolean allowRequantize) {
        public Options {
            Objects.requireNonNull(fileType, "fileType");
        }

        /** The file type's usual mix. */
        public static Options of(FileType fileType) {
            return new Options(fileType, false, null, false);
        }
    }

    /** Called after each tensor is written. */
    @FunctionalInterface
    public interface Progress {
        void tensorWritten(int done, int total, long bytesDone, long bytesTotal);
    }

    /**
     * What was written.
     *
     * @param inBytes       tensor data bytes of the input
     * @param outBytes      size of the written file
     * @param tensorsByType tensor count per type written
     * @param converted     tensors whose type changed
     * @param fallbacks     tensors that got a fallback type because a row is not a multiple of a block
     */
    public record Result(Path out, FileType fileType, long inBytes, long outBytes, Map<GgmlType, Integer> tensorsByType,
                         int converted, int fallbacks, long nanos) {
        public Result {
            tensorsByType = Collections.unmodifiableMap(new EnumMap<>(tensorsByType));
        }

        /** For example {@code Q4_K:133 Q5_0:12 Q6_K:13 Q8_0:12 F32:49}. */
        public String typeMix() {
            return TypeMix.describe(tensorsByType);
        }
    }

    /** One tensor's plan: where it comes from and the type it is written in. */
    record Step(TensorInfo source, GgmlType target, boolean fallback) {
        boolean converts() {
            return source.type() != target;
        }

        long targetBytes() {
            return target.byteSize(source.elementCount());
        }
    }

    /**
     * Quantizes {@code in} into {@code out}.
     *
     * @param pool     threads to quantize with
     * @param progress called after each tensor, or null
     * @throws IllegalArgumentException when {@code out} is the input, the input holds a type that cannot be read or
     *                                  already-quantized tensors without {@link Options#allowRequantize}, or an
     *                                  option does not fit the model (nothing is written then)
     */
    public static Result quantize(Path in, Path out, Options options, ThreadPool pool, Progress progress)
            throws IOException {
        Objects.requireNonNull(options, "options");
        long start = System.nanoTime();
        if (Files.isDirectory(in)) {
            throw new IllegalArgumentException(in + " is a directory, not a GGUF file");
        }
        if (Files.exists(out) && Files.isSameFile(in, out)) {
            throw new IllegalArgumentException(out + " is the input file; quantize writes a new file and never "
                    + "overwrites its input");
        }
        try (GgufFile file = GgufFile.open(in)) {
            List<Step> plan = plan(file, options);
            GgufMetadata md = metadata(file.metadata(), options.fileType());
            long largest = plan.stream().filter(Step::converts).mapToLong(Step::targetBytes).max().orElse(0);
            long bytesTotal = plan.stream().mapToLong(s -> s.source().byteSize()).sum();
            Map<GgmlType, Integer> counts = new EnumMap<>(GgmlType.class);
            int[] done = {0};
            long[] bytesDone = {0};
            int converted = 0;
            try (Arena arena = Arena.ofShared()) {
                MemorySegment buffer = arena.allocate(Math.max(largest, 1), 64);
                List<GgufWriter.TensorEntry> entries = new ArrayList<>(plan.size());
                for (Step s : plan) {
                    TensorInfo t = s.source();
                    counts.merge(s.target(), 1, Integer::sum);
                    converted += s.converts() ? 1 : 0;
                    entries.add(new GgufWriter.TensorEntry(t.name(), s.target(), t.shape(), () -> {
                        MemorySegment data = s.converts()
                                ? convert(file.data(t), t, s.target(), buffer, pool)
                                : file.data(t);
                        done[0]++;
                        bytesDone[0] += t.byteSize();
                        if (progress != null) {
                            progress.tensorWritten(done[0], plan.size(), bytesDone[0], bytesTotal);
                        }
                        return data;
                    }));
                }
                GgufWriter.write(out, 3, md, entries);
            }
            int fallbacks = (int) plan.stream().filter(Step::fallback).count();
            return new Result(out, options.fileType(), bytesTotal, Files.size(out), counts, converted, fallbacks,
                    System.nanoTime() - start);
        }
    }

    /** The type of every tensor, in llama-quantize's order, checked before anything is written. */
    static List<Step> plan(GgufFile file, Options options) {
        List<QuantMix.Tensor> tensors = new ArrayList<>();
        Map<String, TensorInfo> byName = new HashMap<>();
        for (TensorInfo t : file.tensors()) {
            tensors.add(new QuantMix.Tensor(t.name(), t.type(), t.shape()));
            byName.put(t.name(), t);
        }
        QuantMix mix = new QuantMix(options.fileType(), model(file), options.pure(), options.outputTensorType());
        Map<String, QuantMix.Choice> choices = mix.choices(tensors);
        List<Step> plan = new ArrayList<>(choices.size());
        for (var e : choices.entrySet()) {
            Step s = new Step(byName.get(e.getKey()), e.getValue().type(), e.getValue().fallback());
            check(file, s, options);
            plan.add(s);
        }
        return plan;
    }

    private static void check(GgufFile file, Step s, Options options) {
        if (!s.converts()) {
            return;
        }
        TensorInfo t = s.source();
        String where = file.path() + ": tensor '" + t.name() + "'";
        if (!BlockCodec.isSupported(t.type())) {
            throw new IllegalArgumentException(where + " is " + t.type() + ", which Lopper cannot read to quantize");
        }
        if (t.type().blockSize() > 1 && !options.allowRequantize()) {
            throw new IllegalArgumentException(where + " is already quantized (" + t.type()
                    + "); quantizing it again to " + s.target() + " adds error: pass --allow-requantize to do it "
                    + "anyway, or start from an F32/F16/BF16 file");
        }
        if (BlockQuantizer.forType(s.target()).isEmpty()) {
            throw new IllegalArgumentException(where + ": no quantizer for " + s.target());
        }
        if (t.ne(0) % s.target().blockSize() != 0) {
            throw new IllegalArgumentException(where + ": rows of " + t.ne(0) + " do not fit " + s.target()
                    + " blocks of " + s.target().blockSize());
        }
    }

    /** What the mix rules need: {@code block_count}, heads per kv head in the first block, an untied output. */
    static QuantMix.Model model(GgufFile file) {
        GgufMetadata md = file.metadata();
        String arch = md.getString("general.architecture", "llama");
        int maxBlock = -1;
        for (TensorInfo t : file.tensors()) {
            maxBlock = Math.max(maxBlock, QuantMix.blockOf(t.name()));
        }
        int blocks = md.getInt(arch + ".block_count", maxBlock + 1);
        int gqa = 1;
        if (blocks > 0 && md.has(arch + ".attention.head_count")) {
            int heads = md.getPerLayerInt(arch + ".attention.head_count", blocks)[0];
            int kv = md.has(arch + ".attention.head_count_kv")
                    ? md.getPerLayerInt(arch + ".attention.head_count_kv", blocks)[0] : heads;
            gqa = kv > 0 ? heads / kv : 1;
        }
        boolean hasOutput = file.tensor("output.weight").isPresent();
        return new QuantMix.Model(blocks, gqa, hasOutput);
    }

    /** The input's metadata, with llama-quantize's changes. */
    static GgufMetadata metadata(GgufMetadata source, FileType fileType) {
        GgufMetadata.Builder b = source.toBuilder();
        for (String k : SPLIT_KEYS) {
            b.remove(k);
        }
        // llama-quantize removes and re-appends these two, so they come last
        b.remove("general.quantization_version").putUint32("general.quantization_version", 2);
        b.remove("general.file_type").putUint32("general.file_type", fileType.id());
        return b.build();
    }

    /** Dequantizes a tensor's rows to F32 and quantizes them to {@code target} into {@code buffer}. */
    private static MemorySegment convert(MemorySegment src, TensorInfo t, GgmlType target, MemorySegment buffer,
                                         ThreadPool pool) {
        BlockCodec codec = BlockCodec.of(t.type());
        BlockQuantizer quantizer = BlockQuantizer.forType(target).orElseThrow();
        long cols = t.ne(0);
        long rowsLong = t.elementCount() / cols;
        int rows = Math.toIntExact(rowsLong);
        long srcRow = t.type().byteSize(cols);
        long dstRow = target.byteSize(cols);
        int rowsPerChunk = (int) Math.max(1, CHUNK_FLOATS / cols);
        int n = Math.toIntExact(Math.multiplyExact(cols, (long) rowsPerChunk));
        float[][] scratch = new float[pool.size()][];
        pool.parallelFor(rows, rowsPerChunk, (from, to, worker) -> {
            float[] f = scratch[worker];
            if (f == null) {
                f = new float[n];
                scratch[worker] = f;
            }
            for (int r = from; r < to; r += rowsPerChunk) {
                int count = Math.min(rowsPerChunk, to - r);
                int elements = Math.toIntExact(count * cols);
                codec.dequantize(src, r * srcRow, f, 0, elements);
                quantizer.quantize(f, 0, elements, buffer, r * dstRow);
            }
        });
        return buffer.asSlice(0, rowsLong * dstRow);
    }
}
