package dev.lopper.convert;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lopper.engine.model.LlamaModel;
import dev.lopper.gguf.GgmlType;
import dev.lopper.gguf.GgufFile;
import dev.lopper.gguf.GgufMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Float Hugging Face folders made in the test: shapes, types, shards, tokenizers and metadata of the GGUF written. */
class HfFolderTest {

    private static ConversionReport convert(Path in, Path out, OutType t) throws Exception {
        return HfConverter.convert(in, out, t, ConvertListener.NONE);
    }

    @Test
    void widthPrunedLayersGetPerLayerArraysAndLoad(@TempDir Path tmp) throws Exception {
        SyntheticFolder f = new SyntheticFolder(3, 4, 2, 128);
        f.layer(1, 2, 1, 64);
        Path out = tmp.resolve("m.gguf");
        convert(f.write(tmp.resolve("hf")), out, OutType.AUTO);
        try (GgufFile g = GgufFile.open(out)) {
            GgufMetadata md = g.metadata();
            assertArrayEquals(new int[]{4, 2, 4}, md.getIntArray("llama.attention.head_count"));
            assertArrayEquals(new int[]{2, 1, 2}, md.getIntArray("llama.attention.head_count_kv"));
            assertArrayEquals(new int[]{128, 64, 128}, md.getIntArray("llama.feed_forward_length"));
            assertEquals(32, md.getInt("llama.rope.dimension_count"));
            assertArrayEquals(new long[]{128, 64}, g.tensor("blk.1.attn_q.weight").orElseThrow().shape());
        }
        try (LlamaModel m = LlamaModel.load(out)) {
            assertEquals(3, m.weights().blocks().size());
        }
    }

    @Test
    void qAndKRowsArePermutedToAdjacentPairsOthersCopied(@TempDir Path tmp) throws Exception {
        SyntheticFolder f = new SyntheticFolder(1, 2, 1, 64);
        Path out = tmp.resolve("m.gguf");
        ConversionReport r = convert(f.write(tmp.resolve("hf")), out, OutType.F16);
        r.tensors().forEach(t -> assertEquals(0.0, t.maxError(), t.toString()));
        try (GgufFile g = GgufFile.open(out)) {
            short[] q = shorts(g, "blk.0.attn_q.weight");
            short[] v = shorts(g, "blk.0.attn_v.weight");
            short[] hfQ = shorts(f.tensors.get("model.layers.0.self_attn.q_proj.weight").data());
            short[] hfV = shorts(f.tensors.get("model.layers.0.self_attn.v_proj.weight").data());
            int cols = f.dim;
            int hd = f.headDim;
            // GGUF row h·hd + 2i + j = HF row h·hd + j·hd/2 + i
            for (int h = 0; h < 2; h++) {
                for (int i = 0; i < hd / 2; i++) {
                    for (int j = 0; j < 2; j++) {
                        int ggufRow = h * hd + 2 * i + j;
                        int hfRow = h * hd + j * hd / 2 + i;
                        for (int c = 0; c < cols; c++) {
                            assertEquals(hfQ[hfRow * cols + c], q[ggufRow * cols + c]);
                        }
                    }
                }
            }
            assertArrayEquals(hfV, v);
        }
    }

    @Test
    void tiedEmbeddingsWriteNoOutputAndAutoFollowsBf16(@TempDir Path tmp) throws Exception {
        SyntheticFolder f = new SyntheticFolder(1, 2, 1, 64);
        f.tensors.remove("lm_head.weight");
        f.config.put("tie_word_embeddings", true);
        for (var e : f.tensors.entrySet()) { // fp16 → bf16 bits, exactly representable values aside
            byte[] d = e.getValue().data();
            ByteBuffer b = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < d.length; i += 2) {
                float x = Float.float16ToFloat(b.getShort(i));
                b.putShort(i, (short) (Float.floatToRawIntBits(x) >>> 16));
            }
            e.setValue(new SyntheticFolder.Tensor("BF16", e.getValue().shape(), d));
        }
        Path out = tmp.resolve("m.gguf");
        ConversionReport r = convert(f.write(tmp.resolve("hf")), out, OutType.AUTO);
        assertEquals(GgmlType.BF16, r.tensors().stream().filter(t -> t.name().equals("blk.0.ffn_up.weight"))
                .findFirst().orElseThrow().type());
        try (GgufFile g = GgufFile.open(out)) {
            assertTrue(g.tensor("output.weight").isEmpty());
            assertEquals(GgmlType.F32, g.tensor("output_norm.weight").orElseThrow().type());
            assertEquals(32, g.metadata().getInt("general.file_type")); // MOSTLY_BF16
        }
        try (LlamaModel m = LlamaModel.load(out)) {
            assertEquals(1024, m.config().vocabSize());
        }
    }

    @Test
    void shardedSafetensorsWithIndexEqualTheSingleFile(@TempDir Path tmp) throws Exception {
        SyntheticFolder f = new SyntheticFolder(2, 2, 1, 64);
        Path single = f.write(tmp.resolve("a/model"));
        Path sharded = f.write(tmp.resolve("b/model"));
        Files.delete(sharded.resolve("model.safetensors"));
        Map<String, SyntheticFolder.Tensor> a = new LinkedHashMap<>();
        Map<String, SyntheticFolder.Tensor> b = new LinkedHashMap<>();
        ObjectNode index = SyntheticFolder.JSON.createObjectNode();
        ObjectNode map = index.putObject("weight_map");
        f.tensors.forEach((name, t) -> {
            boolean first = name.contains("layers.0") || name.contains("embed");
            (first ? a : b).put(name, t);
            map.put(name, first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        });
        Files.write(sharded.resolve("model-00001-of-00002.safetensors"), SyntheticFolder.safetensors(a));
        Files.write(sharded.resolve("model-00002-of-00002.safetensors"), SyntheticFolder.safetensors(b));
        Files.writeString(sharded.resolve("model.safetensors.index.json"), SyntheticFolder.JSON.writeValueAsString(index));
        convert(single, tmp.resolve("a.gguf"), OutType.Q8_0);
        convert(sharded, tmp.resolve("b.gguf"), OutType.Q8_0);
        assertArrayEquals(Files.readAllBytes(tmp.resolve("a.gguf")), Files.readAllBytes(tmp.resolve("b.gguf")));
    }

    @Test
    void q8_0ReportsItsErrorAndFallsBackToF16ForOddRows(@TempDir Path tmp) throws Exception {
        SyntheticFolder f = new SyntheticFolder(1, 2, 1, 48); // ffn 48: down_proj rows of 48 are not blocks of 32
        ConversionReport r = convert(f.write(tmp.resolve("hf")), tmp.resolve("m.gguf"), OutType.Q8_0);
        var down = r.tensors().stream().filter(t -> t.name().equals("blk.0.ffn_down.weight")).findFirst().orElseThrow();
        var up = r.tensors().stream().filter(t -> t.name().equals("blk.0.ffn_up.weight")).findFirst().orElseThrow();
        assertEquals(GgmlType.F16, down.type());
        assertEquals(GgmlType.Q8_0, up.type());
        // Q8_0 rounds each weight to within a step d = fp16(max|w|/127) ≤ 0.1/127 (half a step, plus d's rounding)
        assertTrue(up.maxError() > 0 && up.maxError() <= 0.1 / 127, up.toString());
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("blk.0.ffn_down.weight")), r.notes().toString());
    }

    @Test
    void llama3StyleBpeTokenizerAndRopeScaling(@TempDir Path tmp) throws Exception {
        SyntheticFolder f = new SyntheticFolder(1, 2, 1, 64);
        f.config.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0)
                .put("low_freq_factor", 1.0).put("high_freq_factor", 4.0)
                .put("original_max_position_embeddings", 64);
        f.config.put("rope_theta", 500000.0);
        Path hf = f.write(tmp.resolve("hf"));
        Files.delete(hf.resolve("tokenizer.model"));
        ObjectNode tj = SyntheticFolder.JSON.createObjectNode();
        ObjectNode pre = tj.putObject("pre_tokenizer").put("type", "Sequence");
        var steps = pre.putArray("pretokenizers");
        steps.addObject().put("type", "Split").put("behavior", "Isolated").put("invert", false)
                .putObject("pattern").put("Regex", "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
                        + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");
        steps.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", false);
        ObjectNode model = tj.putObject("model").put("type", "BPE");
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < 1000; i++) {
            vocab.put("t" + i, i);
        }
        model.putArray("merges").add("t 1").addArray().add("t").add("2 0");
        var added = tj.putArray("added_tokens");
        added.addObject().put("id", 1000).put("content", "<|begin_of_text|>").put("special", true);
        added.addObject().put("id", 1001).put("content", "<|eot_id|>").put("special", true);
        Files.writeString(hf.resolve("tokenizer.json"), SyntheticFolder.JSON.writeValueAsString(tj));
        Files.writeString(hf.resolve("tokenizer_config.json"), """
                {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>", "chat_template": "{{ x }}"}""");
        Path out = tmp.resolve("m.gguf");
        ConversionReport r = convert(hf, out, OutType.AUTO);
        try (GgufFile g = GgufFile.open(out)) {
            GgufMetadata md = g.metadata();
            assertEquals("gpt2", md.getString("tokenizer.ggml.model"));
            assertEquals("llama-bpe", md.getString("tokenizer.ggml.pre"));
            String[] tokens = md.getStringArray("tokenizer.ggml.tokens");
            assertEquals(1024, tokens.length);
            assertEquals("[PAD1023]", tokens[1023]);
            assertArrayEquals(new String[]{"t 1", "t 2\u01200"}, md.getStringArray("tokenizer.ggml.merges"));
            int[] types = md.getIntArray("tokenizer.ggml.token_type");
            assertEquals(3, types[1000]);
            assertEquals(5, types[1023]);
            assertEquals(1000, md.getInt("tokenizer.ggml.bos_token_id"));
            assertEquals(1001, md.getInt("tokenizer.ggml.eos_token_id"));
            assertEquals("{{ x }}", md.getString("tokenizer.chat_template"));
            var freqs = g.tensor("rope_freqs.weight").orElseThrow();
            assertArrayEquals(new long[]{16}, freqs.shape());
        }
        assertFalse(r.notes().stream().anyMatch(n -> n.contains("pre-tokenizer")), r.notes().toString());
    }

    @Test
    void specialIdsFromSpecialTokensMapAndGenerationConfig(@TempDir Path tmp) throws Exception {
        SyntheticFolder f = new SyntheticFolder(1, 2, 1, 64);
        f.config.put("bos_token_id", 0).put("eos_token_id", 1).put("pad_token_id", -1); // decapoda-style
        Path hf = f.write(tmp.resolve("hf"));
        Files.writeString(hf.resolve("special_tokens_map.json"), "{\"pad_token\": \"<unk>\"}");
        Files.writeString(hf.resolve("generation_config.json"), "{\"sep_token_id\": [5, 6]}");
        Path out = tmp.resolve("m.gguf");
        ConversionReport r = convert(hf, out, OutType.AUTO);
        try (GgufFile g = GgufFile.open(out)) {
            GgufMetadata md = g.metadata();
            assertEquals(1, md.getInt("tokenizer.ggml.bos_token_id")); // the tokenizer's, not config.json's 0
            assertEquals(2, md.getInt("tokenizer.ggml.eos_token_id"));
            assertEquals(0, md.getInt("tokenizer.ggml.padding_token_id")); // '<unk>' named by special_tokens_map
            assertEquals(5, md.getInt("tokenizer.ggml.seperator_token_id")); // generation_config, first of the list
        }
        assertTrue(r.notes().stream().anyMatch(n -> n.startsWith("config.json bos_token_id 0 disagrees")),
                r.notes().toString());
    }

    private static short[] shorts(GgufFile g, String name) {
        var t = g.tensor(name).orElseThrow();
        var seg = g.data(t);
        short[] out = new short[(int) (seg.byteSize() / 2)];
        ByteBuffer.wrap(seg.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)).order(ByteOrder.LITTLE_ENDIAN)
                .asShortBuffer().get(out);
        return out;
    }

    private static short[] shorts(byte[] d) {
        short[] out = new short[d.length / 2];
        ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(out);
        return out;
    }
}
