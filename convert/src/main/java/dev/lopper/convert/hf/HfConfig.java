package dev.lopper.convert.hf;

import com.fasterxml.jackson.databind.JsonNode;

import dev.lopper.convert.io.CheckpointFormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * A model's {@code config.json} (transformers' {@code LlamaConfig}), the keys a LLaMA GGUF needs. Required: the
 * architecture (LlamaForCausalLM or model_type llama), {@code hidden_size}, {@code num_attention_heads},
 * {@code num_hidden_layers}, {@code intermediate_size}.
 *
 * @param root the whole JSON object, for the optional keys
 */
public record HfConfig(JsonNode root, String architecture, int hiddenSize, int intermediateSize, int heads,
                       int kvHeads, int layers, int headDim) {
    static final String FILE = "config.json";

    /** Reads and checks {@code dir/config.json}. */
    public static HfConfig read(Path dir) throws IOException {
        JsonNode root = JsonFiles.read(dir.resolve(FILE));
        String arch = architecture(root);
        int hidden = positive(root, "hidden_size");
        int heads = positive(root, "num_attention_heads");
        int layers = positive(root, "num_hidden_layers");
        int ffn = positive(root, "intermediate_size");
        int kv = root.has("num_key_value_heads") && !root.get("num_key_value_heads").isNull()
                ? positive(root, "num_key_value_heads") : heads;
        int headDim;
        if (root.has("head_dim") && !root.get("head_dim").isNull()) {
            headDim = positive(root, "head_dim");
        } else {
            if (hidden % heads != 0) {
                throw new CheckpointFormatException(FILE, "hidden_size " + hidden + " is not a multiple of num_attention_heads "
                        + heads + " and there is no head_dim");
            }
            headDim = hidden / heads;
        }
        if (headDim % 2 != 0) {
            throw new CheckpointFormatException(FILE, "head dimension " + headDim + " is odd; rope needs pairs");
        }
        return new HfConfig(root, arch, hidden, ffn, heads, kv, layers, headDim);
    }

    private static String architecture(JsonNode root) throws CheckpointFormatException {
        JsonNode archs = root.get("architectures");
        String first = archs != null && archs.isArray() && !archs.isEmpty() && archs.get(0).isTextual()
                ? archs.get(0).asText() : null;
        String modelType = text(root, "model_type");
        if ("LlamaForCausalLM".equals(first) || (first == null && "llama".equals(modelType))) {
            return "llama";
        }
        throw new CheckpointFormatException(FILE, "architecture " + (first != null ? first : modelType)
                + " is not supported (only LlamaForCausalLM / model_type llama)");
    }

    /** The integer at {@code key}, if present and not null. */
    public OptionalInt optInt(String key) throws CheckpointFormatException {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return OptionalInt.empty();
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new CheckpointFormatException(FILE, key + " is " + n + ", expected an integer");
        }
        return OptionalInt.of(n.asInt());
    }

    /** The number at {@code key}, if present and not null. */
    public OptionalDouble optDouble(String key) throws CheckpointFormatException {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return OptionalDouble.empty();
        }
        if (!n.isNumber()) {
            throw new CheckpointFormatException(FILE, key + " is " + n + ", expected a number");
        }
        return OptionalDouble.of(n.asDouble());
    }

    /** {@code tie_word_embeddings} (transformers' default for LLaMA: false). */
    public boolean tieWordEmbeddings() {
        JsonNode n = root.get("tie_word_embeddings");
        return n != null && n.asBoolean(false);
    }

    /** The {@code rope_scaling} object, or a missing node. */
    public JsonNode ropeScaling() {
        JsonNode n = root.get("rope_scaling");
        return n != null && n.isObject() ? n : JsonFiles.missing();
    }

    public static String text(JsonNode obj, String key) {
        JsonNode n = obj.get(key);
        return n != null && n.isTextual() ? n.asText() : null;
    }

    private static int positive(JsonNode root, String key) throws CheckpointFormatException {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            throw new CheckpointFormatException(FILE, "key " + key + " is missing");
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() <= 0 || n.asInt() > (1 << 24)) {
            throw new CheckpointFormatException(FILE, key + " is " + n + ", expected a positive integer");
        }
        return n.asInt();
    }
}
