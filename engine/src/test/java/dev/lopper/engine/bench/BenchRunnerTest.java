package dev.lopper.engine.bench;

import dev.lopper.engine.TestData;
import dev.lopper.engine.model.LlamaModel;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchRunnerTest {
    @Test
    void runsPromptThenGenerationTestsPerThreadCount() throws Exception {
        Path file = TestData.inRepo("conformance/tiny-q4_k_m.gguf");
        try (LlamaModel model = LlamaModel.load(file)) {
            List<String> runs = new ArrayList<>();
            List<BenchResult> heard = new ArrayList<>();
            var config = new BenchRunner.Config(List.of(8, 0), List.of(4), List.of(1, 2), 2, 0);
            List<BenchResult> results = BenchRunner.run(model, config, new BenchRunner.Listener() {
                @Override
                public void running(String test, int threads, int rep, int reps) {
                    runs.add(test + "/" + threads + "/" + rep);
                }

                @Override
                public void finished(BenchResult r) {
                    heard.add(r);
                }
            });
            assertEquals(results, heard);
            assertEquals(List.of("pp8", "tg4", "pp8", "tg4"), results.stream().map(BenchResult::testName).toList());
            assertEquals(List.of(1, 1, 2, 2), results.stream().map(BenchResult::threads).toList());
            // warm-up (rep 0) until two runs agree within 5%: at least two, at most ten; then the timed runs
            int warmups = (int) runs.stream().takeWhile(r -> r.equals("pp8/1/0")).count();
            assertTrue(warmups >= 2 && warmups <= BenchRunner.MAX_WARMUPS, runs.toString());
            assertEquals(List.of("pp8/1/1", "pp8/1/2"), runs.subList(warmups, warmups + 2));
            for (BenchResult r : results) {
                assertEquals(2, r.samplesNs().length);
                assertTrue(r.avgTs() > 0 && r.avgNs() > 0, r.toString());
            }

            ModelSummary s = ModelSummary.of(model);
            assertEquals("tiny-llama", s.name());
            assertEquals("llama 4M Q4_K - Medium", s.modelType()); // general.file_type 15, 3.67M parameters
            assertEquals("Q4_K:25 Q6_K:5 F32:9", s.typeMix());
            assertTrue(s.sizeBytes() < s.fileBytes());
        }
    }

    @Test
    void warmUpRunsAgreeWithinFivePercent() {
        assertTrue(BenchRunner.agree(100, 105));
        assertTrue(BenchRunner.agree(105, 100));
        assertFalse(BenchRunner.agree(100, 106));
        assertFalse(BenchRunner.agree(1254, 18)); // a JIT-bound first run against a warm one
    }

    @Test
    void tokensStartWithBos() throws Exception {
        Path file = TestData.inRepo("conformance/gap-q8_0.gguf");
        try (LlamaModel model = LlamaModel.load(file)) {
            int[] t = BenchRunner.tokens(model, 16, 9);
            assertEquals(1, t[0]);
            for (int id : t) {
                assertTrue(id >= 0 && id < model.config().vocabSize());
            }
        }
    }

    @Test
    void statisticsAsLlamaBench() {
        BenchResult r = new BenchResult(2, 64, 0, new long[]{1_000_000_000L, 2_000_000_000L}, Instant.EPOCH);
        assertEquals("pp64", r.testName());
        assertEquals(1_500_000_000L, r.avgNs());
        assertEquals(707_106_781L, r.stddevNs());
        assertEquals(48.0, r.avgTs(), 1e-9); // (64 + 32) / 2
        assertEquals(Math.sqrt(2 * 16.0 * 16.0), r.stddevTs(), 1e-9);
        assertEquals(0.0, new BenchResult(1, 0, 8, new long[]{5}, Instant.EPOCH).stddevTs());
    }

    @Test
    void rejectsNothingToRun() {
        assertThrows(IllegalArgumentException.class,
                () -> new BenchRunner.Config(List.of(0), List.of(0), List.of(1), 1, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new BenchRunner.Config(List.of(8), List.of(0), List.of(0), 1, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new BenchRunner.Config(List.of(8), List.of(0), List.of(1), 0, 0));
    }
}
