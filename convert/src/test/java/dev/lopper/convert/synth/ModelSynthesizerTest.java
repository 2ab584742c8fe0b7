package dev.lopper.convert.synth;

import dev.lopper.convert.quantize.FileType;
import dev.lopper.engine.generate.Session;
import dev.lopper.engine.model.LlamaModel;
import dev.lopper.gguf.GgmlType;
import dev.lopper.gguf.GgufFile;
import dev.lopper.gguf.GgufMetadata;
import dev.lopper.gguf.TensorInfo;
import dev.lopper.quant.ThreadPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelSynthesizerTest {
    private static ThreadPool pool;

    @TempDir
    Path dir;

    @BeforeAll
    static void startPool() {
        pool = new ThreadPool(2);
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    /** Every file type (one of the three Q3_K mixes): loads, has the planned tensor types, and generates a few tokens with finite logits. */
    @ParameterizedTest
    @EnumSource(value = FileType.class, mode = EnumSource.Mode.EXCLUDE, names = {"Q3_K_S", "Q3_K_L"}) // Q3_K_M has Q3_K
    void tinyModelLoadsAndGenerates(FileType type) throws Exception {
        Path out = dir.resolve("tiny-" + type + ".gguf");
        ModelSynthesizer.Result r = ModelSynthesizer.write(out, SynthPreset.TINY, type, 7);
        assertEquals(Files.size(out), r.fileBytes());
        assertEquals(SynthPreset.TINY.parameters(), r.parameters());

        List<ModelSynthesizer.Tensor> plan = ModelSynthesizer.plan(SynthPreset.TINY, type);
        try (LlamaModel model = LlamaModel.load(out)) {
            List<TensorInfo> tensors = model.file().tensors();
            assertEquals(plan.size(), tensors.size());
            for (ModelSynthesizer.Tensor t : plan) {
                TensorInfo info = model.file().tensor(t.name()).orElseThrow();
                assertEquals(t.type(), info.type(), t.name());
            }
            assertEquals(32000, model.config().vocabSize());
            assertEquals(2, model.config().layers().size());
            assertEquals(640, model.config().layers().getFirst().ffn());

            Session s = new Session(model, 16, pool);
            float[] logits = s.append(new int[]{1, 450, 4996});
            for (int i = 0; i < 4; i++) {
                int next = argmaxFinite(logits);
                logits = s.append(next);
            }
            argmaxFinite(logits);
            assertEquals(7, s.length());
        }
    }

    @Test
    void q4KMediumFallsBackLikeLlamaQuantizeForFfn640() {
        List<ModelSynthesizer.Tensor> plan = ModelSynthesizer.plan(SynthPreset.TINY, FileType.Q4_K_M);
        assertEquals(GgmlType.Q5_0, type(plan, "blk.0.ffn_down.weight")); // Q4_K does not fit 640
        assertEquals(GgmlType.Q8_0, type(plan, "blk.1.ffn_down.weight")); // Q6_K (more bits) does not fit 640
        assertEquals(GgmlType.Q4_K, type(plan, "blk.0.attn_v.weight"));
        assertEquals(GgmlType.Q6_K, type(plan, "blk.1.attn_v.weight"));
        assertEquals(GgmlType.Q4_K, type(plan, "blk.1.ffn_gate.weight"));
        assertEquals(GgmlType.Q4_K, type(plan, "token_embd.weight"));
        assertEquals(GgmlType.Q6_K, type(plan, "output.weight"));
        assertEquals(GgmlType.F32, type(plan, "output_norm.weight"));
    }

    @Test
    void metadataHasLlamaCppKeysAndTheBundledVocabulary() throws Exception {
        Path out = dir.resolve("m.gguf");
        ModelSynthesizer.write(out, SynthPreset.TINY, FileType.Q8_0, 1);
        try (GgufFile f = GgufFile.open(out)) {
            GgufMetadata md = f.metadata();
            assertEquals("llama", md.getString("general.architecture"));
            assertEquals(7, md.getInt("general.file_type"));
            assertEquals(2, md.getInt("general.quantization_version"));
            assertEquals(256, md.getInt("llama.embedding_length"));
            assertEquals(2, md.getInt("llama.block_count"));
            assertEquals(640, md.getInt("llama.feed_forward_length"));
            assertEquals(4, md.getInt("llama.attention.head_count"));
            assertEquals(4, md.getInt("llama.attention.head_count_kv"));
            assertEquals(64, md.getInt("llama.rope.dimension_count"));
            assertEquals(2048, md.getInt("llama.context_length"));
            assertEquals(32000, md.getInt("llama.vocab_size"));
            assertEquals(1e-5f, md.getFloat("llama.attention.layer_norm_rms_epsilon"));
            assertEquals(10000f, md.getFloat("llama.rope.freq_base"));
            assertEquals("llama", md.getString("tokenizer.ggml.model"));
            assertEquals(32000, md.getStringArray("tokenizer.ggml.tokens").length);
            assertEquals(32000, md.getFloatArray("tokenizer.ggml.scores").length);
            assertEquals(1, md.getInt("tokenizer.ggml.bos_token_id"));
        }
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes() throws Exception {
        Path a = dir.resolve("a.gguf");
        Path b = dir.resolve("b.gguf");
        Path c = dir.resolve("c.gguf");
        SynthPreset small = SynthPreset.TINY.withLayers(1);
        ModelSynthesizer.write(a, small, FileType.Q4_0, 5);
        ModelSynthesizer.write(b, small, FileType.Q4_0, 5);
        ModelSynthesizer.write(c, small, FileType.Q4_0, 6);
        assertEquals(-1, Files.mismatch(a, b));
        assertNotEquals(-1, Files.mismatch(a, c));
    }

    @Test
    void withLayersKeepsTheShapes() throws Exception {
        SynthPreset p = SynthPreset.SHEARED_LLAMA_1_3B.withLayers(2);
        assertEquals(2, p.layers());
        assertEquals(2048, p.dim());
        assertEquals(5504, p.ffn());
        assertThrows(IllegalArgumentException.class, () -> SynthPreset.TINY.withLayers(0));
        IllegalArgumentException above = assertThrows(IllegalArgumentException.class,
                () -> SynthPreset.TINY.withLayers(3));
        assertTrue(above.getMessage().contains("--layers 3 is more than the 2 blocks"), above.getMessage());
    }

    @Test
    void unknownNamesListTheValidOnes() {
        var e = assertThrows(IllegalArgumentException.class, () -> SynthPreset.named("llama-7b"));
        assertTrue(e.getMessage().contains("sheared-llama-1.3b") && e.getMessage().contains("st-vicuna-10.5b"),
                e.getMessage());
        var t = assertThrows(IllegalArgumentException.class, () -> FileType.parse("q1_k_m"));
        assertTrue(t.getMessage().contains("Q4_K_M") && t.getMessage().contains("Q8_0"), t.getMessage());
        assertEquals(FileType.Q4_K_M, FileType.parse("q4_k_m"));
        assertEquals(SynthPreset.ST_VICUNA_5_5B, SynthPreset.named("ST-Vicuna-5.5B"));
    }

    private static GgmlType type(List<ModelSynthesizer.Tensor> plan, String name) {
        return plan.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow().type();
    }

    private static int argmaxFinite(float[] logits) {
        int best = 0;
        for (int i = 0; i < logits.length; i++) {
            assertTrue(Float.isFinite(logits[i]), "logit " + i + " is " + logits[i]);
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
