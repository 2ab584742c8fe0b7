package dev.lopper.convert.synth;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The geometry of a LLaMA-family model to synthesize with random weights: the shapes of a real (pruned) model, so
 * that a benchmark on it costs what the real model costs. Every preset uses the 32000-token LLaMA SentencePiece
 * vocabulary, rope on adjacent pairs (llama.cpp's "normal" rope) and an untied output matrix.
 *
 * @param name          the preset's name, as given to {@code lopper synth --preset}
 * @param description   where the shape comes from
 * @param dim           {@code embedding_length}
 * @param layers        {@code block_count}
 * @param heads         {@code attention.head_count}
 * @param kvHeads       {@code attention.head_count_kv}
 * @param ffn           {@code feed_forward_length}
 * @param vocab         rows of {@code token_embd} and {@code output}; must match the bundled vocabulary (32000)
 * @param contextLength {@code context_length} of the original model
 * @param rmsEps        {@code attention.layer_norm_rms_epsilon}
 * @param ropeBase      {@code rope.freq_base}
 */
public record SynthPreset(String name, String description, int dim, int layers, int heads, int kvHeads, int ffn,
                          int vocab, int contextLength, float rmsEps, float ropeBase) {

    /** Sheared-LLaMA-1.3B (princeton-nlp), pruned from Llama-2-7B. */
    public static final SynthPreset SHEARED_LLAMA_1_3B = new SynthPreset("sheared-llama-1.3b",
            "Sheared-LLaMA-1.3B (pruned from Llama-2-7B)", 2048, 24, 16, 16, 5504, 32000, 4096, 1e-5f, 10000f);
    /** Sheared-LLaMA-2.7B (princeton-nlp), pruned from Llama-2-7B. */
    public static final SynthPreset SHEARED_LLAMA_2_7B = new SynthPreset("sheared-llama-2.7b",
            "Sheared-LLaMA-2.7B (pruned from Llama-2-7B)", 2560, 32, 20, 20, 6912, 32000, 4096, 1e-5f, 10000f);
    /** st-vicuna-v1.3-5.5b-ppl (Shortened LLaMA, nota-ai): Vicuna-7B v1.3 with 6 of 32 blocks removed. */
    public static final SynthPreset ST_VICUNA_5_5B = new SynthPreset("st-vicuna-5.5b",
            "Shortened Vicuna-7B v1.3, 26 of 32 blocks", 4096, 26, 32, 32, 11008, 32000, 2048, 1e-6f, 10000f);
    /** st-llama-1-5.5b (Shortened LLaMA, nota-ai): LLaMA-1-7B with 6 of 32 blocks removed. */
    public static final SynthPreset ST_LLAMA_5_5B = new SynthPreset("st-llama-5.5b",
            "Shortened LLaMA-1-7B, 26 of 32 blocks", 4096, 26, 32, 32, 11008, 32000, 2048, 1e-6f, 10000f);
    /** st-vicuna-v1.3-10.5b-ppl (Shortened LLaMA, nota-ai): Vicuna-13B v1.3 with 8 of 40 blocks removed. */
    public static final SynthPreset ST_VICUNA_10_5B = new SynthPreset("st-vicuna-10.5b",
            "Shortened Vicuna-13B v1.3, 32 of 40 blocks", 5120, 32, 40, 40, 13824, 32000, 2048, 1e-6f, 10000f);
    /**
     * A few-megabyte model for tests: Sheared-LLaMA's problem in small (ffn 640 is not a multiple of 256, so
     * k-quant mixes fall back for {@code ffn_down}), with the real 32000-token vocabulary.
     */
    public static final SynthPreset TINY = new SynthPreset("tiny",
            "test model: dim 256, 2 layers, ffn 640 (not a multiple of 256)", 256, 2, 4, 4, 640, 32000, 2048, 1e-5f,
            10000f);

    private static final List<SynthPreset> ALL = List.of(SHEARED_LLAMA_1_3B, SHEARED_LLAMA_2_7B, ST_VICUNA_5_5B,
            ST_LLAMA_5_5B, ST_VICUNA_10_5B, TINY);

    /** Checks the geometry. */
    public SynthPreset {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("preset name is empty");
        }
        if (dim <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || ffn <= 0 || vocab <= 0 || contextLength <= 0) {
            throw new IllegalArgumentException("preset " + name + ": sizes must be positive");
        }
        if (dim % heads != 0 || (dim / heads) % 2 != 0) {
            throw new IllegalArgumentException("preset " + name + ": dim " + dim + " does not split into " + heads
                    + " heads of an even size");
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("preset " + name + ": " + heads + " heads cannot share " + kvHeads
                    + " kv heads");
        }
        if (dim % 32 != 0 || ffn % 32 != 0) {
            throw new IllegalArgumentException("preset " + name + ": dim and ffn must be multiples of 32");
        }
    }

    /** Every preset, in the order {@code lopper synth --list} shows them. */
    public static List<SynthPreset> all() {
        return ALL;
    }

    /** The names of every preset, comma-separated, for error messages. */
    public static String names() {
        return ALL.stream().map(SynthPreset::name).collect(Collectors.joining(", "));
    }

    /**
     * The preset called {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the valid presets when there is none
     */
    public static SynthPreset named(String name) {
        String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (SynthPreset p : ALL) {
            if (p.name.equals(key)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown preset '" + name + "'; valid presets: " + names());
    }

    /** Size of one attention head. */
    public int headDim() {
        return dim / heads;
    }

    /**
     * The same geometry with its first {@code n} blocks (a quick, smaller model with real layer shapes).
     *
     * @throws IllegalArgumentException if {@code n} is not in 1..{@link #layers()}
     */
    public SynthPreset withLayers(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("--layers must be positive, got " + n);
        }
        if (n > layers) {
            throw new IllegalArgumentException("--layers " + n + " is more than the " + layers + " blocks of "
                    + name + "; a synthetic model keeps the first N blocks of the preset");
        }
        if (n == layers) {
            return this;
        }
        return new SynthPreset(name + "-" + n + "l", description + ", " + n + " blocks", dim, n, heads, kvHeads, ffn,
                vocab, contextLength, rmsEps, ropeBase);
    }

    /** Every weight element of the model: embeddings, blocks (norms included), output norm and output. */
    public long parameters() {
        long kvDim = (long) kvHeads * headDim();
        long block = 2L * dim // attn_norm, ffn_norm
                + 2L * dim * dim // attn_q, attn_output
                + 2L * dim * kvDim // attn_k, attn_v
                + 3L * dim * ffn; // gate, up, down
        return 2L * vocab * dim + dim + layers * block;
    }
}
