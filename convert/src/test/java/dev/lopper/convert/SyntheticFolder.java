package dev.lopper.convert;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Writes small Hugging Face LLaMA folders in the tests themselves: config.json, a safetensors file of fp16 (or
 * other) tensors with seeded random values, and a tokenizer, so that every hostile or unusual variant is made in
 * code rather than committed as a blob.
 */
final class SyntheticFolder {
    static final ObjectMapper JSON = new ObjectMapper();

    final int dim;
    final int vocab;
    final int headDim;
    final ObjectNode config = JSON.createObjectNode();
    final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final Random random = new Random(1);

    /** A tensor to write: safetensors dtype, shape, and raw little-endian bytes. */
    record Tensor(String dtype, long[] shape, byte[] data) {
    }

    /**
     * A LLaMA with {@code layers} layers of {@code heads} heads of 32, {@code kv} kv heads, ffn {@code ffn}, and the
     * 1024-token tiny1k vocabulary.
     */
    SyntheticFolder(int layers, int heads, int kv, int ffn) {
        this.headDim = 32;
        this.dim = heads * headDim;
        this.vocab = 1024;
        config.putArray("architectures").add("LlamaForCausalLM");
        config.put("model_type", "llama").put("hidden_size", dim).put("intermediate_size", ffn)
                .put("num_attention_heads", heads).put("num_key_value_heads", kv).put("num_hidden_layers", layers)
                .put("vocab_size", vocab).put("max_position_embeddings", 128).put("rms_norm_eps", 1e-5)
                .put("rope_theta", 10000.0).put("torch_dtype", "float16");
        f16("model.embed_tokens.weight", vocab, dim);
        for (int l = 0; l < layers; l++) {
            layer(l, heads, kv, ffn);
        }
        f16("model.norm.weight", dim);
        f16("lm_head.weight", vocab, dim);
    }

    /** Adds (or replaces) layer {@code l}'s tensors with these head counts and ffn size. */
    void layer(int l, int heads, int kv, int ffn) {
        String p = "model.layers." + l + ".";
        f16(p + "input_layernorm.weight", dim);
        f16(p + "self_attn.q_proj.weight", (long) heads * headDim, dim);
        f16(p + "self_attn.k_proj.weight", (long) kv * headDim, dim);
        f16(p + "self_attn.v_proj.weight", (long) kv * headDim, dim);
        f16(p + "self_attn.o_proj.weight", dim, (long) heads * headDim);
        f16(p + "post_attention_layernorm.weight", dim);
        f16(p + "mlp.gate_proj.weight", ffn, dim);
        f16(p + "mlp.up_proj.weight", ffn, dim);
        f16(p + "mlp.down_proj.weight", dim, ffn);
    }

    /** A random fp16 tensor (values in ±0.1). */
    void f16(String name, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        ByteBuffer b = ByteBuffer.allocate((int) n * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < n; i++) {
            b.putShort(Float.floatToFloat16((random.nextFloat() - 0.5f) * 0.2f));
        }
        tensors.put(name, new Tensor("F16", shape, b.array()));
    }

    /** Writes config.json, model.safetensors and the tiny1k tokenizer.model into {@code dir}; returns dir. */
    Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(config));
        Files.write(dir.resolve("model.safetensors"), safetensors(tensors));
        Files.copy(TestFiles.inRepo("gptq/gptq-4bit-128g/tokenizer.model"), dir.resolve("tokenizer.model"));
        return dir;
    }

    /** The bytes of a safetensors file holding these tensors in order. */
    static byte[] safetensors(Map<String, Tensor> tensors) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        long off = 0;
        for (var e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", e.getValue().dtype());
            var shape = t.putArray("shape");
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(off).add(off + e.getValue().data().length);
            off += e.getValue().data().length;
        }
        return safetensors(JSON.writeValueAsString(header), tensors.values().stream().map(Tensor::data).toList());
    }

    /** A safetensors file from a header text and data blocks, for headers that lie. */
    static byte[] safetensors(String header, java.util.List<byte[]> data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int total = 8 + h.length + data.stream().mapToInt(d -> d.length).sum();
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        data.forEach(b::put);
        return b.array();
    }
}
