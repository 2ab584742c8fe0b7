package dev.lopper.convert.synth;

import dev.lopper.convert.quantize.FileType;
import dev.lopper.convert.quantize.QuantMix;
import dev.lopper.gguf.GgmlType;
import dev.lopper.gguf.GgufFile;
import dev.lopper.gguf.GgufMetadata;
import dev.lopper.gguf.GgufWriter;
import dev.lopper.gguf.MetadataValue;
import dev.lopper.gguf.TypeMix;
import dev.lopper.quant.BlockQuantizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Writes a LLaMA GGUF model with random weights and a real geometry ({@link SynthPreset}), in the tensor types
 * llama-quantize would choose ({@link QuantMix}), with the 32000-token LLaMA SentencePiece vocabulary bundled as a
 * resource, so that llama.cpp loads the same file. For benchmarks: the weights mean nothing, the speed is real.
 *
 * <p>Weights are valid blocks drawn from a pool: for each tensor type a few thousand blocks are quantized once from
 * normal(0, 0.02) values with the reference {@link BlockQuantizer}, and every block of every tensor is a
 * (seeded) random pick from that pool. So scales are sane and activations stay in range, and writing costs little
 * more than the disk. Tensors are produced one at a time into one reused buffer (the largest tensor, never the whole
 * model) and streamed by {@link GgufWriter}, which writes a temporary file and renames it over the target.
 */
public final class ModelSynthesizer {
    /** The weights' standard deviation before quantization. */
    static final double WEIGHT_STD = 0.02;
    /**
     * Elements quantized once per type into a pool of units (blocks, or 32-element runs of a float type) that are
     * then picked at random: 4096 units of 32, 1024 of 256. A power of two of units.
     */
    private static final int POOL_ELEMENTS = 1 << 17;
    private static final String VOCAB_RESOURCE = "llama-spm-vocab.gguf";
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ModelSynthesizer() {
    }

    /** A tensor the synthesizer writes: name, type and shape (ggml order, ne0 first). */
    public record Tensor(String name, GgmlType type, long[] shape) {
        public Tensor {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        public long elements() {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }

        public long byteSize() {
            return type.byteSize(elements());
        }
    }

    /** Progress callback, called after each tensor is written. */
    @FunctionalInterface
    public interface Progress {
        void tensorWritten(int done, int total, long bytesDone, long bytesTotal);
    }

    /**
     * What was written.
     *
     * @param fileBytes     size of the file
     * @param parameters    weight elements
     * @param tensorsByType tensor count per type, in type order
     * @param nanos         wall time
     */
    public record Result(Path path, SynthPreset preset, FileType fileType, long fileBytes, long parameters,
                         Map<GgmlType, Integer> tensorsByType, long nanos) {
        public Result {
            tensorsByType = Collections.unmodifiableMap(new EnumMap<>(tensorsByType));
        }

        /** For example {@code Q4_K:133 Q6_K:13 Q5_0:12 Q8_0:12 F32:49}: tensor counts, most bytes-heavy type first. */
        public String typeMix() {
            return TypeMix.describe(tensorsByType);
        }
    }

    /** The tensors of a preset in a file type, in file order (what {@link #write} writes). */
    public static List<Tensor> plan(SynthPreset p, FileType type) {
        long kvDim = (long) p.kvHeads() * p.headDim();
        List<QuantMix.Tensor> shapes = new ArrayList<>(2 + 9 * p.layers() + 2);
        shapes.add(f32("token_embd.weight", p.dim(), p.vocab()));
        for (int b = 0; b < p.layers(); b++) {
            String pre = "blk." + b + ".";
            shapes.add(f32(pre + "attn_norm.weight", p.dim()));
            shapes.add(f32(pre + "attn_q.weight", p.dim(), p.dim()));
            shapes.add(f32(pre + "attn_k.weight", p.dim(), kvDim));
            shapes.add(f32(pre + "attn_v.weight", p.dim(), kvDim));
            shapes.add(f32(pre + "attn_output.weight", p.dim(), p.dim()));
            shapes.add(f32(pre + "ffn_norm.weight", p.dim()));
            shapes.add(f32(pre + "ffn_gate.weight", p.dim(), p.ffn()));
            shapes.add(f32(pre + "ffn_up.weight", p.dim(), p.ffn()));
            shapes.add(f32(pre + "ffn_down.weight", p.ffn(), p.dim()));
        }
        shapes.add(f32("output_norm.weight", p.dim()));
        shapes.add(f32("output.weight", p.dim(), p.vocab()));
        QuantMix mix = QuantMix.of(type, new QuantMix.Model(p.layers(), p.heads() / p.kvHeads(), true));
        Map<String, GgmlType> types = mix.types(shapes);
        List<Tensor> out = new ArrayList<>(shapes.size());
        for (QuantMix.Tensor t : shapes) {
            out.add(new Tensor(t.name(), types.get(t.name()), t.shape()));
        }
        return out;
    }

    /** A tensor as the random weights start: F32. */
    private static QuantMix.Tensor f32(String name, long... shape) {
        return new QuantMix.Tensor(name, GgmlType.F32, shape);
    }

    /** The GGUF metadata of a synthesized model: llama.cpp's standard keys, then the vocabulary's. */
    public static GgufMetadata metadata(SynthPreset p, FileType type, long seed) {
        GgufMetadata vocab = Vocab.metadata();
        int tokens = vocab.getStringArray("tokenizer.ggml.tokens").length;
        if (tokens != p.vocab()) {
            throw new IllegalArgumentException("preset " + p.name() + " has a vocabulary of " + p.vocab()
                    + " but the bundled LLaMA vocabulary has " + tokens + " tokens");
        }
        GgufMetadata.Builder md = GgufMetadata.builder()
                .putString("general.architecture", "llama")
                .putString("general.name", p.name() + " (synthetic)")
                .putString("general.description", "random weights (seed " + seed + ") in the shape of "
                        + p.description() + ", written by lopper synth for benchmarks")
                .putUint32("general.file_type", type.id());
        if (type.quantized()) {
            md.putUint32("general.quantization_version", 2);
        }
        md.putUint32("llama.vocab_size", p.vocab())
                .putUint32("llama.context_length", p.contextLength())
                .putUint32("llama.embedding_length", p.dim())
                .putUint32("llama.block_count", p.layers())
                .putUint32("llama.feed_forward_length", p.ffn())
                .putUint32("llama.rope.dimension_count", p.headDim())
                .putUint32("llama.attention.head_count", p.heads())
                .putUint32("llama.attention.head_count_kv", p.kvHeads())
                .putFloat32("llama.attention.layer_norm_rms_epsilon", p.rmsEps())
                .putFloat32("llama.rope.freq_base", p.ropeBase());
        for (String key : vocab.keys()) {
            if (key.startsWith("tokenizer.")) {
                md.put(key, vocab.get(key).orElseThrow());
            }
        }
        return md.build();
    }

    /** Writes the model to {@code out} (replacing it if it exists), with no progress reports. */
    public static Result write(Path out, SynthPreset preset, FileType type, long seed) throws IOException {
        return write(out, preset, type, seed, null);
    }

    /**
     * Writes the model to {@code out}, replacing it atomically if it exists (callers decide whether they may).
     *
     * @param seed     the same seed gives the same file, byte for byte
     * @param progress called after each tensor, or null
     */
    public static Result write(Path out, SynthPreset preset, FileType type, long seed, Progress progress)
            throws IOException {
        Objects.requireNonNull(out, "out");
        long start = System.nanoTime();
        GgufMetadata md = metadata(preset, type, seed);
        List<Tensor> plan = plan(preset, type);
        long largest = plan.stream().mapToLong(Tensor::byteSize).max().orElse(0);
        if (largest > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("tensor of " + largest + " bytes is too large to synthesize");
        }
        long total = plan.stream().mapToLong(Tensor::byteSize).sum();
        byte[] buffer = new byte[(int) largest];
        Map<GgmlType, byte[]> pools = new EnumMap<>(GgmlType.class);
        Map<GgmlType, Integer> counts = new EnumMap<>(GgmlType.class);
        List<GgufWriter.TensorEntry> entries = new ArrayList<>(plan.size());
        long[] written = {0};
        int[] done = {0};
        long params = 0;
        for (int i = 0; i < plan.size(); i++) {
            Tensor t = plan.get(i);
            long tensorSeed = mix(seed, i);
            params += t.elements();
            counts.merge(t.type(), 1, Integer::sum);
            entries.add(new GgufWriter.TensorEntry(t.name(), t.type(), t.shape(), () -> {
                int n = (int) t.byteSize();
                if (t.shape().length == 1) {
                    fillNorm(buffer, n / 4, tensorSeed);
                } else {
                    byte[] pool = pools.computeIfAbsent(t.type(), ty -> pool(ty, seed));
                    fill(buffer, n, pool, unitBytes(t.type()), tensorSeed);
                }
                written[0] += n;
                done[0]++;
                if (progress != null) {
                    progress.tensorWritten(done[0], plan.size(), written[0], total);
                }
                return MemorySegment.ofArray(buffer).asSlice(0, n);
            }));
        }
        GgufWriter.write(out, 3, md, entries);
        return new Result(out, preset, type, Files.size(out), params, counts, System.nanoTime() - start);
    }

    /** Bytes of one pool unit: a block, or 32 elements of a float type. */
    private static int unitBytes(GgmlType type) {
        return type.blockSize() > 1 ? type.typeSize() : 32 * type.typeSize();
    }

    /** {@link #POOL_ELEMENTS} values from normal(0, {@link #WEIGHT_STD}), quantized into valid units of a type. */
    static byte[] pool(GgmlType type, long seed) {
        BlockQuantizer q = BlockQuantizer.forType(type).orElseThrow(
                () -> new IllegalArgumentException("no quantizer for " + type + " to synthesize weights with"));
        int elementsPerUnit = type.blockSize() > 1 ? type.blockSize() : 32;
        float[] values = new float[Math.max(POOL_ELEMENTS, 1024 * elementsPerUnit)];
        SplittableRandom rnd = new SplittableRandom(mix(seed, 0x5eed0000L + type.id()));
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (rnd.nextGaussian() * WEIGHT_STD);
        }
        byte[] out = q.quantize(values);
        if (out.length != values.length / elementsPerUnit * unitBytes(type)) {
            throw new IllegalStateException("quantizer for " + type + " wrote " + out.length + " bytes");
        }
        return out;
    }

    /** Fills {@code buf[0..n)} with units picked at random from the pool (the last one cut short for float types). */
    static void fill(byte[] buf, int n, byte[] pool, int unit, long seed) {
        int units = pool.length / unit;
        int mask = Integer.highestOneBit(units) - 1; // units is a power of two
        long s = seed;
        int off = 0;
        while (off < n) {
            s += 0x9E3779B97F4A7C15L;
            long z = s;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
            // two picks per random number
            for (int k = 0; k < 2 && off < n; k++) {
                int idx = (int) (z >>> (32 * k)) & mask;
                int len = Math.min(unit, n - off);
                System.arraycopy(pool, idx * unit, buf, off, len);
                off += len;
            }
        }
    }

    /** A norm weight: 1 plus a little noise, F32 little-endian. */
    private static void fillNorm(byte[] buf, int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        MemorySegment seg = MemorySegment.ofArray(buf);
        for (int i = 0; i < n; i++) {
            seg.set(F32_LE, 4L * i, (float) (1.0 + 0.01 * rnd.nextGaussian()));
        }
    }

    /** SplitMix64 finalizer of (seed, i): independent streams per tensor. */
    static long mix(long seed, long i) {
        long z = seed + 0x9E3779B97F4A7C15L * (i + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The bundled LLaMA SentencePiece vocabulary (llama.cpp's models/ggml-vocab-llama-spm.gguf, MIT). */
    static final class Vocab {
        private static volatile GgufMetadata cached;

        private Vocab() {
        }

        static GgufMetadata metadata() {
            GgufMetadata md = cached;
            if (md == null) {
                synchronized (Vocab.class) {
                    md = cached;
                    if (md == null) {
                        md = load();
                        cached = md;
                    }
                }
            }
            return md;
        }

        private static GgufMetadata load() {
            try (InputStream in = ModelSynthesizer.class.getResourceAsStream(VOCAB_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("bundled vocabulary " + VOCAB_RESOURCE + " is missing");
                }
                Path tmp = Files.createTempFile("lopper-vocab-", ".gguf");
                try {
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                    try (GgufFile f = GgufFile.open(tmp)) {
                        Map<String, MetadataValue> keep = new LinkedHashMap<>(f.metadata().asMap());
                        GgufMetadata.Builder b = GgufMetadata.builder();
                        keep.forEach(b::put);
                        return b.build(); // values are heap copies; the mapping can go
                    }
                } finally {
                    Files.deleteIfExists(tmp);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the bundled vocabulary: " + e.getMessage(), e);
            }
        }
    }
}
