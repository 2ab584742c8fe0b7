package dev.lopper.convert.quantize;

import dev.lopper.gguf.GgmlType;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which type each tensor of a LLaMA model gets for a {@link FileType}, as llama-quantize decides it without an
 * importance matrix ({@code llama_model_quantize_impl} and {@code llama_tensor_get_type} in llama.cpp
 * src/llama-quant.cpp, b4748, for the {@code llama} architecture with one expert). {@code lopper synth} and
 * {@code lopper quantize} both choose their types here.
 *
 * <p>Only 2-D (or higher) tensors whose name ends in {@code weight} and that are not norms are quantized; every other
 * tensor keeps its type. Of those, F32, F16 and BF16 file types give every one their type; the quantized file types
 * (unless {@link #pure}) give most the base type and:
 * <ul>
 *   <li>{@code output.weight} (or {@code token_embd.weight} when the output is tied to it): Q8_0 when its rows are
 *       not a multiple of the base type's block, else Q6_K unless the base type is Q8_0;</li>
 *   <li>{@code attn_v}: Q2_K → Q4_K if 4 or more heads share a kv head, else Q3_K; Q3_K_M → Q5_K for the first 2,
 *       then Q4_K; Q3_K_L → Q5_K; Q4_K_M and Q5_K_M → Q6_K where {@link #useMoreBits} holds; Q4_K_S → Q5_K for the
 *       first 4; in a 70B model (80 blocks, grouped-query attention) Q3_K and Q4_K become Q5_K. Counted over the
 *       {@code attn_v} tensors present;</li>
 *   <li>{@code ffn_down}: Q2_K → Q3_K; Q3_K_M → Q5_K for the first sixteenth of the blocks, then Q4_K; Q3_K_L →
 *       Q5_K; Q4_K_M and Q5_K_M → Q6_K where {@link #useMoreBits} holds; Q4_K_S → Q5_K for the first eighth. Counted
 *       in file order (below) over {@code block_count}, as llama-quantize does, so a model with gaps in its blocks
 *       gets the choices llama-quantize would make if it loaded it;</li>
 *   <li>{@code attn_output}: Q2_K → Q3_K, Q3_K_M → Q4_K, Q3_K_L → Q5_K;</li>
 *   <li>fallback when a row ({@code ne0}) is not a multiple of the chosen type's block: Q4_K → Q5_0,
 *       Q5_K → Q5_1, Q6_K → Q8_0, Q2_K and Q3_K → IQ4_NL (so Sheared-LLaMA's {@code ffn_down}, 5504 = 21.5 × 256
 *       columns, becomes Q5_0 or Q8_0), and F16 when even that does not fit, or when the base type itself does not
 *       fit (where llama-quantize stops with "Unsupported tensor size").</li>
 * </ul>
 * {@code --pure} gives every quantized tensor the base type (with the same fallbacks where its block does not fit a
 * row, where llama-quantize would fail); {@code --output-tensor-type} then sets {@code output.weight}'s type.
 *
 * <p>llama-quantize visits the tensors ordered by block number ({@code blk.N.}, the others first), then by name;
 * the counters above follow that order, and {@link #order} gives it.
 *
 * @param fileType   the file type
 * @param model      the facts about the model the rules need
 * @param pure       {@code --pure}: no per-tensor rules
 * @param outputType {@code --output-tensor-type}, or null
 */
public record QuantMix(FileType fileType, Model model, boolean pure, GgmlType outputType) {

    /**
     * What the rules need to know about a model.
     *
     * @param blockCount {@code block_count} (missing blocks included)
     * @param gqa        attention heads per kv head in the first block ({@code n_gqa()})
     * @param hasOutput  whether there is an {@code output.weight} (else the output is tied to the embeddings)
     */
    public record Model(int blockCount, int gqa, boolean hasOutput) {
        /** llama.cpp's {@code LLM_TYPE_70B} for the llama architecture: 80 blocks with grouped-query attention. */
        public boolean is70B() {
            return blockCount == 80 && gqa > 1;
        }
    }

    /** A tensor to choose a type for: its name, its current type and its shape (ggml order, ne0 first). */
    public record Tensor(String name, GgmlType type, long[] shape) {
        public Tensor {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** ggml's {@code ggml_n_dims}: dimensions up to the last one that is not 1. */
        int dims() {
            int n = shape.length;
            while (n > 1 && shape[n - 1] == 1) {
                n--;
            }
            return n;
        }
    }

    public QuantMix {
        Objects.requireNonNull(fileType, "fileType");
        Objects.requireNonNull(model, "model");
    }

    /** The mix of a file type for a model, without {@code --pure} or {@code --output-tensor-type}. */
    public static QuantMix of(FileType fileType, Model model) {
        return new QuantMix(fileType, model, false, null);
    }

    /**
     * llama.cpp's {@code use_more_bits}: the first and last eighth of the layers and every third layer between.
     */
    public static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    /** The tensors in the order llama-quantize visits (and writes) them: by block number, the others first, then by name. */
    public static List<Tensor> order(List<Tensor> tensors) {
        List<Tensor> out = new ArrayList<>(tensors);
        out.sort(Comparator.comparingInt((Tensor t) -> blockOf(t.name())).thenComparing(Tensor::name));
        return out;
    }

    /** The number N of a {@code blk.N.} name, or -1 (as llama.cpp's {@code sscanf(name, "blk.%d.")}). */
    static int blockOf(String name) {
        if (!name.startsWith("blk.")) {
            return -1;
        }
        int end = name.indexOf('.', 4);
        if (end <= 4) {
            return -1;
        }
        try {
            return Integer.parseInt(name.substring(4, end));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The type chosen for a tensor.
     *
     * @param fallback whether the rules chose a type whose block does not divide the rows, so another was taken
     *                 (llama-quantize's "using fallback quantization")
     */
    public record Choice(GgmlType type, boolean fallback) {
    }

    /**
     * The type of every tensor, in llama-quantize's {@link #order}: a tensor that is not quantized keeps its type.
     *
     * @throws IllegalArgumentException if {@code --output-tensor-type}'s block does not fit {@code output.weight}
     */
    public Map<String, Choice> choices(List<Tensor> tensors) {
        List<Tensor> ordered = order(tensors);
        int attentionWv = (int) ordered.stream().filter(t -> isAttentionV(t.name())).count();
        Counters c = new Counters(attentionWv);
        Map<String, Choice> out = new LinkedHashMap<>();
        for (Tensor t : ordered) {
            out.put(t.name(), choose(t, c));
        }
        return out;
    }

    /** {@link #choices}, the types only. */
    public Map<String, GgmlType> types(List<Tensor> tensors) {
        Map<String, GgmlType> out = new LinkedHashMap<>();
        choices(tensors).forEach((name, choice) -> out.put(name, choice.type()));
        return out;
    }

    /** Whether llama-quantize would quantize this tensor at all (else it is copied as it is). */
    public static boolean quantizable(Tensor t) {
        String n = t.name();
        return n.endsWith("weight") && t.dims() >= 2 && !n.contains("_norm.weight")
                && !n.contains("ffn_gate_inp.weight") && !n.equals("position_embd.weight")
                && !n.equals("token_types.weight") && !n.contains("ssm_conv1d.weight")
                && !n.contains("time_mix_") && !n.contains("attn_rel_b.weight");
    }

    private Choice choose(Tensor t, Counters c) {
        if (!quantizable(t)) {
            return new Choice(t.type(), false);
        }
        GgmlType base = fileType.baseType();
        GgmlType wanted = pure || !fileType.quantized() ? base : rules(t, base, c);
        GgmlType chosen = fallback(wanted, t.shape[0]);
        if (outputType != null && t.name().equals("output.weight")) {
            if (t.shape[0] % outputType.blockSize() != 0) {
                throw new IllegalArgumentException("--output-tensor-type " + outputType + " does not fit "
                        + "output.weight: its rows of " + t.shape[0] + " are not a multiple of "
                        + outputType.blockSize());
            }
            return new Choice(outputType, false);
        }
        return new Choice(chosen, chosen != wanted);
    }

    /** llama_tensor_get_type, for the file types of {@link FileType}. */
    private GgmlType rules(Tensor tensor, GgmlType base, Counters c) {
        String name = tensor.name();
        long ne0 = tensor.shape[0];
        FileType f = fileType;
        GgmlType t = base;
        if (name.equals("output.weight") || (!model.hasOutput() && name.equals("token_embd.weight"))) {
            if (outputType != null) {
                t = outputType;
            } else if (ne0 % base.blockSize() != 0) {
                t = GgmlType.Q8_0;
            } else if (base != GgmlType.Q8_0) {
                t = GgmlType.Q6_K;
            }
        } else if (name.equals("token_embd.weight")) {
            t = base; // no --token-embedding-type
        } else if (name.contains("attn_v.weight")) {
            int i = c.attentionV++;
            int n = c.attentionVCount;
            if (f == FileType.Q2_K) {
                t = model.gqa() >= 4 ? GgmlType.Q4_K : GgmlType.Q3_K;
            } else if (f == FileType.Q3_K_M) {
                t = i < 2 ? GgmlType.Q5_K : GgmlType.Q4_K;
            } else if (f == FileType.Q3_K_L) {
                t = GgmlType.Q5_K;
            } else if ((f == FileType.Q4_K_M || f == FileType.Q5_K_M) && useMoreBits(i, n)) {
                t = GgmlType.Q6_K;
            } else if (f == FileType.Q4_K_S && i < 4) {
                t = GgmlType.Q5_K;
            }
            if (model.is70B() && (t == GgmlType.Q3_K || t == GgmlType.Q4_K)) {
                t = GgmlType.Q5_K;
            }
        } else if (name.contains("ffn_down")) {
            int i = c.ffnDown++;
            int n = model.blockCount();
            if (f == FileType.Q2_K) {
                t = GgmlType.Q3_K;
            } else if (f == FileType.Q3_K_M) {
                t = i < n / 16 ? GgmlType.Q5_K : GgmlType.Q4_K; // llama is not Falcon: Q4_K after the first 16th
            } else if (f == FileType.Q3_K_L) {
                t = GgmlType.Q5_K;
            } else if (f == FileType.Q4_K_M) {
                if (useMoreBits(i, n)) {
                    t = GgmlType.Q6_K;
                }
            } else if (f == FileType.Q5_K_M && useMoreBits(i, n)) {
                t = GgmlType.Q6_K;
            } else if (f == FileType.Q4_K_S && i < n / 8) {
                t = GgmlType.Q5_K;
            }
        } else if (name.contains("attn_output.weight")) {
            if (f == FileType.Q2_K) {
                t = GgmlType.Q3_K;
            } else if (f == FileType.Q3_K_M) {
                t = GgmlType.Q4_K;
            } else if (f == FileType.Q3_K_L) {
                t = GgmlType.Q5_K;
            }
        } else if (name.contains("attn_qkv.weight")) {
            if (f == FileType.Q3_K_M || f == FileType.Q3_K_L) {
                t = GgmlType.Q4_K;
            } else if (f == FileType.Q4_K_M) {
                t = GgmlType.Q5_K;
            } else if (f == FileType.Q5_K_M) {
                t = GgmlType.Q6_K;
            }
        }
        return t;
    }

    /** llama-quantize's replacement for a type whose block does not divide a row of {@code ne0} elements. */
    static GgmlType fallback(GgmlType t, long ne0) {
        if (ne0 % t.blockSize() == 0) {
            return t;
        }
        GgmlType f = switch (t) {
            // llama-quantize's switch; the types without a case are those whose block is 32 (or 1): F16 below
            case Q4_K -> GgmlType.Q5_0;
            case Q5_K -> GgmlType.Q5_1;
            case Q6_K -> GgmlType.Q8_0;
            case Q2_K, Q3_K, IQ4_XS -> GgmlType.IQ4_NL;
            default -> GgmlType.F16;
        };
        return ne0 % f.blockSize() == 0 ? f : GgmlType.F16;
    }

    /** llama-quantize's running counts of the tensors of a kind seen so far. */
    private static final class Counters {
        final int attentionVCount;
        int attentionV;
        int ffnDown;

        Counters(int attentionVCount) {
            this.attentionVCount = attentionVCount;
        }
    }

    private static boolean isAttentionV(String name) {
        return name.contains("attn_v.weight") || name.contains("attn_qkv.weight") || name.contains("attn_kv_b.weight");
    }
}
