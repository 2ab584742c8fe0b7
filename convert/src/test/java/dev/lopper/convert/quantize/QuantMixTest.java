package dev.lopper.convert.quantize;

import dev.lopper.convert.TestFiles;
import dev.lopper.convert.synth.ModelSynthesizer;
import dev.lopper.convert.synth.SynthPreset;
import dev.lopper.gguf.GgmlType;
import dev.lopper.gguf.GgufFile;
import dev.lopper.gguf.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuantMixTest {

    /** llama-quantize wrote these Q4_K_M fixtures; the mix must choose every tensor's type as it did. */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-q4_k_m.gguf", "sheared-q4_k_m.gguf", "hetero-q4_k_m.gguf"})
    void reproducesLlamaQuantizeOnTheFixtures(String fixture) throws Exception {
        Path path = TestFiles.inRepo("conformance/" + fixture);
        try (GgufFile f = GgufFile.open(path)) {
            QuantMix mix = QuantMix.of(FileType.Q4_K_M, GgufQuantizer.model(f));
            List<QuantMix.Tensor> asF32 = f.tensors().stream()
                    .map(t -> new QuantMix.Tensor(t.name(), GgmlType.F32, t.shape())).toList();
            Map<String, GgmlType> types = mix.types(asF32);
            for (TensorInfo t : f.tensors()) {
                assertEquals(t.type(), types.get(t.name()), fixture + " " + t.name());
            }
            // llama-quantize wrote the tensors in the order it visits them
            assertEquals(f.tensors().stream().map(TensorInfo::name).toList(), List.copyOf(types.keySet()));
        }
    }

    /**
     * llama-quantize b4748's choices on a model of Sheared-LLaMA-1.3B's shape (24 blocks, no grouped-query attention,
     * ffn 5504 = 21.5 × 256, so ffn_down falls back), read from its output files (random weights, dim 256; the
     * choices depend only on the block count, the heads per kv head and which rows are multiples of 256). Per tensor
     * kind, the types over the blocks as runs: {@code Q5_Kx2,Q4_Kx22} is Q5_K for blocks 0-1, Q4_K for 2-23.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Q2_K|token_embd=Q2_K output=Q6_K attn_q=Q2_Kx24 attn_k=Q2_Kx24 attn_v=Q3_Kx24 attn_output=Q3_Kx24 "
                    + "ffn_gate=Q2_Kx24 ffn_up=Q2_Kx24 ffn_down=IQ4_NLx24",
            "Q3_K_S|token_embd=Q3_K output=Q6_K attn_q=Q3_Kx24 attn_k=Q3_Kx24 attn_v=Q3_Kx24 attn_output=Q3_Kx24 "
                    + "ffn_gate=Q3_Kx24 ffn_up=Q3_Kx24 ffn_down=IQ4_NLx24",
            "Q3_K_M|token_embd=Q3_K output=Q6_K attn_q=Q3_Kx24 attn_k=Q3_Kx24 attn_v=Q5_Kx2,Q4_Kx22 "
                    + "attn_output=Q4_Kx24 ffn_gate=Q3_Kx24 ffn_up=Q3_Kx24 ffn_down=Q5_1x1,Q5_0x23",
            "Q3_K_L|token_embd=Q3_K output=Q6_K attn_q=Q3_Kx24 attn_k=Q3_Kx24 attn_v=Q5_Kx24 attn_output=Q5_Kx24 "
                    + "ffn_gate=Q3_Kx24 ffn_up=Q3_Kx24 ffn_down=Q5_1x24",
            "Q4_K_S|token_embd=Q4_K output=Q6_K attn_q=Q4_Kx24 attn_k=Q4_Kx24 attn_v=Q5_Kx4,Q4_Kx20 "
                    + "attn_output=Q4_Kx24 ffn_gate=Q4_Kx24 ffn_up=Q4_Kx24 ffn_down=Q5_1x3,Q5_0x21",
            "Q4_K_M|token_embd=Q4_K output=Q6_K attn_q=Q4_Kx24 attn_k=Q4_Kx24 attn_v=Q6_Kx3,Q4_Kx2,Q6_Kx1,Q4_Kx2,"
                    + "Q6_Kx1,Q4_Kx2,Q6_Kx1,Q4_Kx2,Q6_Kx1,Q4_Kx2,Q6_Kx1,Q4_Kx2,Q6_Kx4 attn_output=Q4_Kx24 "
                    + "ffn_gate=Q4_Kx24 ffn_up=Q4_Kx24 ffn_down=Q8_0x3,Q5_0x2,Q8_0x1,Q5_0x2,Q8_0x1,Q5_0x2,Q8_0x1,"
                    + "Q5_0x2,Q8_0x1,Q5_0x2,Q8_0x1,Q5_0x2,Q8_0x4",
            "Q5_K_S|token_embd=Q5_K output=Q6_K attn_q=Q5_Kx24 attn_k=Q5_Kx24 attn_v=Q5_Kx24 attn_output=Q5_Kx24 "
                    + "ffn_gate=Q5_Kx24 ffn_up=Q5_Kx24 ffn_down=Q5_1x24",
            "Q5_K_M|token_embd=Q5_K output=Q6_K attn_q=Q5_Kx24 attn_k=Q5_Kx24 attn_v=Q6_Kx3,Q5_Kx2,Q6_Kx1,Q5_Kx2,"
                    + "Q6_Kx1,Q5_Kx2,Q6_Kx1,Q5_Kx2,Q6_Kx1,Q5_Kx2,Q6_Kx1,Q5_Kx2,Q6_Kx4 attn_output=Q5_Kx24 "
                    + "ffn_gate=Q5_Kx24 ffn_up=Q5_Kx24 ffn_down=Q8_0x3,Q5_1x2,Q8_0x1,Q5_1x2,Q8_0x1,Q5_1x2,Q8_0x1,"
                    + "Q5_1x2,Q8_0x1,Q5_1x2,Q8_0x1,Q5_1x2,Q8_0x4",
            "Q6_K|token_embd=Q6_K output=Q6_K attn_q=Q6_Kx24 attn_k=Q6_Kx24 attn_v=Q6_Kx24 attn_output=Q6_Kx24 "
                    + "ffn_gate=Q6_Kx24 ffn_up=Q6_Kx24 ffn_down=Q8_0x24",
            "Q4_0|token_embd=Q4_0 output=Q6_K attn_q=Q4_0x24 attn_k=Q4_0x24 attn_v=Q4_0x24 attn_output=Q4_0x24 "
                    + "ffn_gate=Q4_0x24 ffn_up=Q4_0x24 ffn_down=Q4_0x24",
            "Q8_0|token_embd=Q8_0 output=Q8_0 attn_q=Q8_0x24 attn_k=Q8_0x24 attn_v=Q8_0x24 attn_output=Q8_0x24 "
                    + "ffn_gate=Q8_0x24 ffn_up=Q8_0x24 ffn_down=Q8_0x24"})
    void shearedLlamaChoicesAreLlamaQuantizes(String type, String expected) {
        List<ModelSynthesizer.Tensor> plan = ModelSynthesizer.plan(SynthPreset.SHEARED_LLAMA_1_3B, FileType.parse(type));
        assertEquals(expected, runs(plan, 24));
    }

    /** The types of {@code plan} per tensor kind, over the blocks as runs, as in the table above. */
    static String runs(List<ModelSynthesizer.Tensor> plan, int blocks) {
        Map<String, GgmlType> byName = new HashMap<>();
        plan.forEach(t -> byName.put(t.name(), t.type()));
        List<String> parts = new ArrayList<>();
        for (String kind : List.of("token_embd", "output")) {
            parts.add(kind + "=" + byName.get(kind + ".weight"));
        }
        for (String kind : List.of("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down")) {
            List<String> runs = new ArrayList<>();
            for (int i = 0; i < blocks; ) {
                GgmlType t = byName.get("blk." + i + "." + kind + ".weight");
                int j = i;
                while (j < blocks && byName.get("blk." + j + "." + kind + ".weight") == t) {
                    j++;
                }
                runs.add(t + "x" + (j - i));
                i = j;
            }
            parts.add(kind + "=" + String.join(",", runs));
        }
        return String.join(" ", parts);
    }

    @Test
    void useMoreBitsAsLlamaCpp() {
        // n = 24: first 3, last 3, and (i - 3) % 3 == 2 between
        List<Integer> expected = List.of(0, 1, 2, 5, 8, 11, 14, 17, 20, 21, 22, 23);
        for (int i = 0; i < 24; i++) {
            assertEquals(expected.contains(i), QuantMix.useMoreBits(i, 24), "layer " + i);
        }
        assertFalse(QuantMix.useMoreBits(0, 2));
        assertTrue(QuantMix.useMoreBits(1, 2));
    }

    @Test
    void shearedLlamaFallsBackWhereRowsAreNotMultiplesOf256() {
        assertEquals(Map.of(GgmlType.Q4_K, 133, GgmlType.Q6_K, 13, GgmlType.Q5_0, 12, GgmlType.Q8_0, 12,
                GgmlType.F32, 49), counts(SynthPreset.SHEARED_LLAMA_1_3B, FileType.Q4_K_M));
        assertEquals(Map.of(GgmlType.Q4_0, 169, GgmlType.Q6_K, 1, GgmlType.F32, 49),
                counts(SynthPreset.SHEARED_LLAMA_1_3B, FileType.Q4_0));
        assertEquals(Map.of(GgmlType.Q8_0, 170, GgmlType.F32, 49),
                counts(SynthPreset.SHEARED_LLAMA_1_3B, FileType.Q8_0));
        assertEquals(Map.of(GgmlType.F16, 170, GgmlType.F32, 49),
                counts(SynthPreset.SHEARED_LLAMA_1_3B, FileType.F16));
        // ffn 11008 = 43 x 256: no fallback for the 5.5B shapes
        assertEquals(Map.of(GgmlType.Q4_K, 157, GgmlType.Q6_K, 1 + 13 + 13, GgmlType.F32, 53),
                counts(SynthPreset.ST_VICUNA_5_5B, FileType.Q4_K_M));
    }

    @Test
    void sizesMatchLlamaQuantizeOutputForShearedLlama() {
        // llama-bench on llama-quantize's files of this geometry: Q4_0 738 MiB, Q8_0 1.33 GiB, Q4_K_M 831 MiB
        assertEquals(738, mib(FileType.Q4_0));
        assertEquals(1363, mib(FileType.Q8_0)); // 1.33 GiB
        assertEquals(831, mib(FileType.Q4_K_M));
    }

    private static long mib(FileType t) {
        long bytes = ModelSynthesizer.plan(SynthPreset.SHEARED_LLAMA_1_3B, t).stream()
                .mapToLong(ModelSynthesizer.Tensor::byteSize).sum();
        return bytes >> 20;
    }

    private static Map<GgmlType, Integer> counts(SynthPreset p, FileType t) {
        Map<GgmlType, Integer> m = new EnumMap<>(GgmlType.class);
        for (ModelSynthesizer.Tensor x : ModelSynthesizer.plan(p, t)) {
            m.merge(x.type(), 1, Integer::sum);
        }
        return m;
    }
}
