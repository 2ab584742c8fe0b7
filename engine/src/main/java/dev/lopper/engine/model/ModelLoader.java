package dev.lopper.engine.model;

import dev.lopper.engine.tokenizer.Tokenizer;
import dev.lopper.gguf.GgufFile;
import dev.lopper.gguf.GgufMetadata;
import dev.lopper.gguf.TensorInfo;
import dev.lopper.quant.BlockCodec;
import dev.lopper.quant.WeightLoader;
import dev.lopper.quant.WeightMatrix;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Binds a parsed GGUF file to a {@link LlamaModel}: reads the hyperparameters (scalars or per-layer arrays), finds
 * the blocks present, and derives each layer's shapes from its own tensors, checking them against the metadata.
 */
final class ModelLoader {
    private final GgufFile file;
    private final GgufMetadata md;
    private final String arch;
    private final String where;
    private final Set<Integer> skip;
    private final WeightLoader weights;

    private ModelLoader(GgufFile file, Set<Integer> skip, WeightLoader weights) {
        this.file = file;
        this.skip = new TreeSet<>(skip);
        this.weights = weights;
        this.md = file.metadata();
        this.where = file.path().getFileName().toString();
        this.arch = md.getString("general.architecture", "llama");
    }

    /**
     * Binds {@code file}, leaving out the blocks numbered in {@code skip} (each must be present in the file), with
     * {@code weights} making the matrices (the model closes it).
     */
    static LlamaModel bind(GgufFile file, Set<Integer> skip, WeightLoader weights) {
        return new ModelLoader(file, skip, weights).bind();
    }

    private LlamaModel bind() {
        BlockLayout layout = wrapped(this::layout);
        for (int b : skip) {
            if (!layout.present().contains(b)) {
                throw new IllegalArgumentException(where + " has no block " + b + " to skip (--skip-layers); its"
                        + " blocks are " + BlockRanges.of(layout.present()));
            }
        }
        if (skip.size() == layout.present().size()) {
            throw new IllegalArgumentException("--skip-layers leaves no block of " + where + " to run");
        }
        return wrapped(() -> bindChecked(layout));
    }

    /** Runs a step of binding, turning a metadata accessor's complaint into a {@link ModelFormatException}. */
    private <T> T wrapped(java.util.function.Supplier<T> step) {
        try {
            return step.get();
        } catch (NoSuchElementException | IllegalArgumentException e) {
            if (e instanceof ModelFormatException) {
                throw e;
            }
            throw fail(e.getMessage());
        }
    }

    private BlockLayout layout() {
        int blockCount = md.getInt(arch + ".block_count");
        BlockLayout layout = BlockLayout.of(file, blockCount);
        if (!layout.incomplete().isEmpty()) {
            var first = layout.incomplete().entrySet().iterator().next();
            throw fail("block " + first.getKey() + " is incomplete: missing " + String.join(", ", first.getValue()));
        }
        if (!layout.outOfRange().isEmpty()) {
            throw fail("tensors for block " + layout.outOfRange().getFirst() + " but " + arch + ".block_count is "
                    + blockCount);
        }
        if (layout.present().isEmpty()) {
            throw fail("no transformer blocks (no blk.N.* tensors)");
        }
        return layout;
    }

    private LlamaModel bindChecked(BlockLayout layout) {
        TensorInfo embd = require("token_embd.weight");
        int dim = (int) embd.columns();
        int vocab = (int) embd.rows();
        int declaredDim = md.getInt(arch + ".embedding_length", dim);
        if (declaredDim != dim) {
            throw fail("tensor 'token_embd.weight' has rows of " + dim + " but " + arch + ".embedding_length is "
                    + declaredDim);
        }
        int blockCount = layout.blockCount();
        int[] heads = md.getPerLayerInt(arch + ".attention.head_count", blockCount);
        int[] kvHeads = md.has(arch + ".attention.head_count_kv")
                ? md.getPerLayerInt(arch + ".attention.head_count_kv", blockCount) : heads;
        int[] ffn = md.has(arch + ".feed_forward_length")
                ? md.getPerLayerInt(arch + ".feed_forward_length", blockCount) : null;

        List<BlockWeights> blocks = new ArrayList<>();
        List<LayerConfig> layers = new ArrayList<>();
        for (int b : layout.present()) {
            if (skip.contains(b)) {
                continue;
            }
            if (heads[b] <= 0) {
                throw fail(arch + ".attention.head_count[" + b + "] is " + heads[b] + " but block " + b
                        + " has tensors");
            }
            int headDim = md.getInt(arch + ".attention.key_length", dim / heads[b]);
            int valueDim = md.getInt(arch + ".attention.value_length", headDim);
            BlockWeights w = bindBlock(b, dim, headDim, valueDim, heads[b], kvHeads[b], ffn == null ? -1 : ffn[b]);
            blocks.add(w);
            layers.add(w.config());
        }

        int headDim0 = layers.getFirst().headDim();
        Optional<TensorInfo> outputTensor = file.tensor("output.weight");
        ModelConfig config = new ModelConfig(
                md.getString("general.name", where),
                arch,
                vocab,
                dim,
                md.getInt(arch + ".context_length", 2048),
                blockCount,
                layers,
                layout.missing(),
                List.copyOf(skip),
                md.getFloat(arch + ".rope.freq_base", 10000f),
                md.getInt(arch + ".rope.dimension_count", headDim0),
                ropeScale(),
                md.getFloat(arch + ".attention.layer_norm_rms_epsilon", 1e-5f),
                outputTensor.isEmpty());
        for (LayerConfig l : layers) {
            if (config.ropeDim() > l.headDim() || config.ropeDim() % 2 != 0) {
                throw fail(arch + ".rope.dimension_count " + config.ropeDim() + " does not fit head size "
                        + l.headDim() + " of block " + l.block());
            }
        }

        // The embedding is read a row per token, in place; repacked only when it is also the output matrix.
        WeightMatrix embedding = matrix(embd, vocab, dim, outputTensor.isEmpty());
        WeightMatrix output = outputTensor.map(t -> matrix(t, vocab, dim)).orElse(embedding);
        float[] outputNorm = vector(require("output_norm.weight"), dim);
        Tokenizer tokenizer = Tokenizer.fromGguf(md);
        if (tokenizer.vocabSize() > vocab) {
            throw fail("tokenizer has " + tokenizer.vocabSize() + " tokens but 'token_embd.weight' has " + vocab
                    + " rows");
        }
        return new LlamaModel(file, weights, config, new LlamaWeights(embedding, blocks, outputNorm, output),
                tokenizer);
    }

    private float ropeScale() {
        String type = md.getString(arch + ".rope.scaling.type", "none");
        if (type.equals("linear")) {
            return 1f / md.getFloat(arch + ".rope.scaling.factor", 1f);
        }
        return 1f;
    }

    private BlockWeights bindBlock(int b, int dim, int headDim, int valueDim, int metaHeads, int metaKv, int metaFfn) {
        String p = "blk." + b + ".";
        TensorInfo q = require(p + "attn_q.weight");
        TensorInfo k = require(p + "attn_k.weight");
        TensorInfo v = require(p + "attn_v.weight");
        TensorInfo o = require(p + "attn_output.weight");
        TensorInfo gate = require(p + "ffn_gate.weight");
        TensorInfo up = require(p + "ffn_up.weight");
        TensorInfo down = require(p + "ffn_down.weight");

        int heads = headsOf(q, headDim, dim, metaHeads, arch + ".attention.head_count[" + b + "]");
        int kv = headsOf(k, headDim, dim, metaKv, arch + ".attention.head_count_kv[" + b + "]");
        int kvV = headsOf(v, valueDim, dim, metaKv, arch + ".attention.head_count_kv[" + b + "]");
        if (kvV != kv) {
            throw fail("tensor '" + v.name() + "' has " + v.rows() + " rows, expected " + kv * valueDim);
        }
        int ffn = (int) gate.rows();
        if (metaFfn >= 0 && metaFfn != ffn) {
            throw fail("tensor '" + gate.name() + "' has " + ffn + " rows but " + arch + ".feed_forward_length[" + b
                    + "] is " + metaFfn);
        }
        if (heads % kv != 0) {
            throw fail("block " + b + ": " + heads + " query heads cannot share " + kv + " kv heads");
        }
        LayerConfig config = new LayerConfig(b, heads, kv, headDim, valueDim, ffn);
        return new BlockWeights(
                config,
                vector(require(p + "attn_norm.weight"), dim),
                matrix(q, heads * headDim, dim),
                matrix(k, kv * headDim, dim),
                matrix(v, kv * valueDim, dim),
                matrix(o, dim, heads * valueDim),
                vector(require(p + "ffn_norm.weight"), dim),
                matrix(gate, ffn, dim),
                matrix(up, ffn, dim),
                matrix(down, dim, ffn));
    }

    private int headsOf(TensorInfo t, int headDim, int dim, int metaHeads, String key) {
        if (t.dims() != 2 || t.columns() != dim) {
            throw fail("tensor '" + t.name() + "' has shape " + shape(t) + ", expected [" + dim + ", n]");
        }
        if (t.rows() % headDim != 0) {
            throw fail("tensor '" + t.name() + "' has " + t.rows() + " rows, not a multiple of head size " + headDim);
        }
        int heads = (int) (t.rows() / headDim);
        if (heads != metaHeads) {
            throw fail("tensor '" + t.name() + "' holds " + heads + " heads of " + headDim + " but " + key + " is "
                    + metaHeads);
        }
        return heads;
    }

    private TensorInfo require(String name) {
        return file.tensor(name).orElseThrow(() -> fail("tensor '" + name + "' is missing"));
    }

    private WeightMatrix matrix(TensorInfo t, long rows, long cols) {
        return matrix(t, rows, cols, true);
    }

    /** The checked matrix of {@code t}, repacked for the kernels only where {@code repackable} (and the loader may). */
    private WeightMatrix matrix(TensorInfo t, long rows, long cols, boolean repackable) {
        if (t.dims() != 2 || t.columns() != cols || t.rows() != rows) {
            throw fail("tensor '" + t.name() + "' has shape " + shape(t) + ", expected [" + cols + ", " + rows + "]");
        }
        if (!BlockCodec.isSupported(t.type())) {
            throw fail("tensor '" + t.name() + "' has type " + t.type() + ", which Lopper cannot compute with yet");
        }
        if (!repackable) {
            return new WeightMatrix(t.name(), t.type(), file.data(t), (int) rows, (int) cols);
        }
        try {
            return weights.matrix(t.name(), t.type(), file.data(t), file.dataOffset() + t.offset(), (int) rows,
                    (int) cols);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    new IOException(where + ": tensor '" + t.name() + "': " + e.getMessage(), e));
        }
    }

    private float[] vector(TensorInfo t, int n) {
        if (t.elementCount() != n) {
            throw fail("tensor '" + t.name() + "' has shape " + shape(t) + ", expected [" + n + "]");
        }
        if (!BlockCodec.isSupported(t.type()) || n % t.type().blockSize() != 0) {
            throw fail("tensor '" + t.name() + "' has type " + t.type() + ", which Lopper cannot read as a vector");
        }
        float[] out = new float[n];
        BlockCodec.of(t.type()).dequantize(file.data(t), 0, out, 0, n);
        return out;
    }

    private static String shape(TensorInfo t) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < t.dims(); i++) {
            sb.append(i == 0 ? "" : ", ").append(t.shape()[i]);
        }
        return sb.append(']').toString();
    }

    private ModelFormatException fail(String what) {
        return new ModelFormatException(where + ": " + what);
    }
}
