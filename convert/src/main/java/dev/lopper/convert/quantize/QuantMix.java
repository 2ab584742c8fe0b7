package dev.lopper.convert.quantize;

import dev.lopper.gguf.GgmlType;

import java.util.Objects;

/**
 * Which type each tensor of a LLaMA model gets for a {@link FileType}, as llama-quantize decides it without an
 * importance matrix and without {@code --pure} ({@code llama_tensor_get_type} in llama.cpp's src/llama-quant.cpp,
 * for the {@code llama} architecture with one expert):
 * <ul>
 *   <li>1-D tensors (the norms) stay F32; F32, F16 and BF16 files use their type for every 2-D tensor;</li>
 *   <li>{@code output.weight}: Q8_0 when its rows are not a multiple of the base type's block, else Q6_K unless the
 *       base type is Q8_0;</li>
 *   <li>{@code attn_v}: Q6_K in Q4_K_M and Q5_K_M files for the layers where {@link #useMoreBits} holds; Q5_K for
 *       the first 4 layers of Q4_K_S;</li>
 *   <li>{@code ffn_down}: Q6_K in Q4_K_M and Q5_K_M files where {@link #useMoreBits} holds; Q5_K for the first
 *       eighth of the layers of Q4_K_S;</li>
 *   <li>every other tensor, {@code token_embd} included, gets the base type;</li>
 *   <li>fallback when a row ({@code ne0}) is not a multiple of the chosen type's block: Q4_K → Q5_0,
 *       Q5_K → Q5_1, Q6_K → Q8_0 (so Sheared-LLaMA's {@code ffn_down}, 5504 = 21.5 × 256 columns, becomes Q5_0
 *       or Q8_0), and F16 when even that does not fit (where llama-quantize would give up).</li>
 * </ul>
 */
public final class QuantMix {
    private final FileType fileType;

    private QuantMix(FileType fileType) {
        this.fileType = fileType;
    }

    /** The mix of a file type. */
    public static QuantMix of(FileType fileType) {
        return new QuantMix(Objects.requireNonNull(fileType, "fileType"));
    }

    public FileType fileType() {
        return fileType;
    }

    /**
     * llama.cpp's {@code use_more_bits}: the first and last eighth of the layers and every third layer between.
     */
    public static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    /**
     * The type of one tensor.
     *
     * @param name   the GGUF tensor name, e.g. {@code blk.3.ffn_down.weight}
     * @param shape  its shape in ggml order (ne0 = row length first)
     * @param layer  the index of its block among the blocks (llama-quantize counts {@code attn_v} and
     *               {@code ffn_down} tensors in file order; for a model with every block present that is the block
     *               number), or -1 for a tensor outside the blocks
     * @param layers the number of blocks
     */
    public GgmlType typeOf(String name, long[] shape, int layer, int layers) {
        if (shape.length < 2 || name.endsWith("_norm.weight")) {
            return GgmlType.F32;
        }
        GgmlType base = fileType.baseType();
        if (!fileType.quantized()) {
            return base;
        }
        long ne0 = shape[0];
        GgmlType t = base;
        if (name.equals("output.weight")) {
            if (ne0 % base.blockSize() != 0) {
                t = GgmlType.Q8_0;
            } else if (base != GgmlType.Q8_0) {
                t = GgmlType.Q6_K;
            }
        } else if (name.contains("attn_v.weight")) {
            if ((fileType == FileType.Q4_K_M || fileType == FileType.Q5_K_M) && useMoreBits(layer, layers)) {
                t = GgmlType.Q6_K;
            } else if (fileType == FileType.Q4_K_S && layer < 4) {
                t = GgmlType.Q5_K;
            }
        } else if (name.contains("ffn_down")) {
            if ((fileType == FileType.Q4_K_M || fileType == FileType.Q5_K_M) && useMoreBits(layer, layers)) {
                t = GgmlType.Q6_K;
            } else if (fileType == FileType.Q4_K_S && layer < layers / 8) {
                t = GgmlType.Q5_K;
            }
        }
        return fallback(t, ne0);
    }

    /** llama-quantize's replacement for a type whose block does not divide a row of {@code ne0} elements. */
    static GgmlType fallback(GgmlType t, long ne0) {
        if (ne0 % t.blockSize() == 0) {
            return t;
        }
        GgmlType f = switch (t) {
            case Q4_K -> GgmlType.Q5_0;
            case Q5_K -> GgmlType.Q5_1;
            case Q6_K -> GgmlType.Q8_0;
            case Q2_K, Q3_K, IQ4_XS -> GgmlType.IQ4_NL;
            default -> GgmlType.F16;
        };
        return ne0 % f.blockSize() == 0 ? f : GgmlType.F16;
    }
}
