package dev.lopper.convert.quantize;

import dev.lopper.convert.TestFiles;
import dev.lopper.convert.synth.ModelSynthesizer;
import dev.lopper.convert.synth.SynthPreset;
import dev.lopper.gguf.GgmlType;
import dev.lopper.gguf.GgufFile;
import dev.lopper.gguf.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.EnumMap;
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
        QuantMix mix = QuantMix.of(FileType.Q4_K_M);
        try (GgufFile f = GgufFile.open(path)) {
            int layers = f.metadata().getInt("llama.block_count");
            for (TensorInfo t : f.tensors()) {
                int layer = t.name().startsWith("blk.")
                        ? Integer.parseInt(t.name().substring(4, t.name().indexOf('.', 4))) : -1;
                assertEquals(t.type(), mix.typeOf(t.name(), t.shape(), layer, layers), fixture + " " + t.name());
            }
        }
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
