package dev.lopper.convert;

import dev.lopper.engine.generate.Session;
import dev.lopper.engine.model.LlamaModel;
import dev.lopper.gguf.GgmlType;
import dev.lopper.quant.ThreadPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every GPTQ fixture folder converts, and the converted model's logits meet ../shared/README.md's tolerances
 * against {@code reference.ref.json} (computed from the exactly dequantized weights): with {@code --outtype f32}
 * the prompt path must be within 1e-3 everywhere (exact dequantization); with {@code auto} (GPTQ mapped onto
 * Q4_0/Q4_1, act-order re-quantized to Q8_0) one-token decode, which rounds activations to int8 as llama.cpp does,
 * must be within 3e-2 with the reference argmax at ≥ 80% of positions.
 */
class GptqFixturesTest {
    private static ThreadPool pool;

    @BeforeAll
    static void startPool() {
        pool = new ThreadPool(2);
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    static List<Path> fixtures() {
        List<Path> all = TestFiles.gptqFixtures();
        assertFalse(all.isEmpty(), "no GPTQ fixtures found");
        return all;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void f32ConversionIsExact(Path dir, @TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("model-f32.gguf");
        ConversionReport r = HfConverter.convert(dir, out, OutType.F32, ConvertListener.NONE);
        System.out.println(dir.getFileName() + " f32: " + r.summary());
        for (ConversionReport.TensorReport t : r.tensors()) {
            assertEquals(GgmlType.F32, t.type(), t.name());
            assertEquals(0.0, t.maxError(), t.toString());
        }
        ReferenceLogits ref = ReferenceLogits.read(dir.resolve("reference.ref.json"));
        try (LlamaModel model = LlamaModel.load(out)) {
            int[] tokens = ref.tokens();
            int vocab = model.config().vocabSize();
            Session s = new Session(model, tokens.length, pool);
            float[] all = new float[tokens.length * vocab];
            s.append(tokens, all);
            double worst = 0;
            for (int pos = 0; pos < tokens.length; pos++) {
                worst = Math.max(worst, ReferenceLogits.relativeRms(all, pos * vocab, ref.logits()[pos]));
                assertEquals(ref.argmax()[pos], ReferenceLogits.argmax(all, pos * vocab, vocab), "argmax at " + pos);
            }
            System.out.printf("%s f32 prompt: worst-row relative RMS %.3g%n", dir.getFileName(), worst);
            assertTrue(worst <= 1e-3, dir.getFileName() + ": worst-row relative RMS " + worst + " > 1e-3");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void autoConversionMeetsInt8Tolerance(Path dir, @TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("model-auto.gguf");
        ConversionReport r = HfConverter.convert(dir, out, OutType.AUTO, ConvertListener.NONE);
        System.out.println(dir.getFileName() + " auto: " + r.summary());
        r.tensors().forEach(t -> System.out.println("  " + t));
        r.notes().forEach(n -> System.out.println("  note: " + n));
        assertTrue(r.tensors().stream().anyMatch(t -> t.source().startsWith("GPTQ")), "no GPTQ tensors detected");
        for (ConversionReport.TensorReport t : r.tensors()) {
            if (t.source().startsWith("GPTQ")) {
                boolean actOrder = t.source().contains("act-order");
                assertEquals(actOrder ? GgmlType.Q8_0 : t.source().contains(" sym") ? GgmlType.Q4_0 : GgmlType.Q4_1,
                        t.type(), t.toString());
                assertEquals(!actOrder, t.exact(), t.toString());
                if (t.type() == GgmlType.Q4_0) {
                    assertEquals(0.0, t.maxError(), "symmetric GPTQ maps onto Q4_0 exactly: " + t);
                }
            } else {
                assertEquals(0.0, t.maxError(), "fp16 tensors are copied: " + t);
            }
        }
        ReferenceLogits ref = ReferenceLogits.read(dir.resolve("reference.ref.json"));
        try (LlamaModel model = LlamaModel.load(out)) {
            int vocab = model.config().vocabSize();
            Session s = new Session(model, ref.tokens().length, pool);
            double worst = 0;
            int agree = 0;
            for (int pos = 0; pos < ref.tokens().length; pos++) {
                float[] logits = s.append(ref.tokens()[pos]);
                worst = Math.max(worst, ReferenceLogits.relativeRms(logits, 0, ref.logits()[pos]));
                agree += ReferenceLogits.argmax(logits, 0, vocab) == ref.argmax()[pos] ? 1 : 0;
            }
            System.out.printf("%s auto decode: worst-row relative RMS %.3g, argmax %d/%d%n", dir.getFileName(), worst,
                    agree, ref.tokens().length);
            assertTrue(worst <= 3e-2, dir.getFileName() + ": worst-row relative RMS " + worst + " > 3e-2");
            assertTrue(agree >= 0.8 * ref.tokens().length, dir.getFileName() + ": argmax agrees at " + agree);
        }
    }
}
