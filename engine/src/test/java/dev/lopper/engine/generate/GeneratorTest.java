package dev.lopper.engine.generate;

import dev.lopper.engine.TestData;
import dev.lopper.engine.model.LlamaModel;
import dev.lopper.engine.sampling.Sampler;
import dev.lopper.engine.sampling.SamplingParams;
import dev.lopper.quant.ThreadPool;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeneratorTest {
    private static final java.nio.file.Path DEMO = TestData.projectRoot().resolve("models/stories260K.gguf");

    private static Generator.Result greedy(LlamaModel model, ThreadPool pool, int[] prompt, int max,
                                           List<String> stops, StringBuilder text) {
        Session session = new Session(model, 2048, pool);
        Sampler sampler = new Sampler(SamplingParams.greedy(), model.config().vocabSize());
        return new Generator(session, model.tokenizer(), sampler)
                .generate(prompt, max, stops, false, text::append, () -> false);
    }

    @Test
    void greedyFromBosIsTheLlama2cStory() throws Exception {
        String expected = Files.readString(TestData.projectRoot().resolve("models/stories260K.greedy200.txt"));
        try (LlamaModel model = LlamaModel.load(DEMO); ThreadPool pool = new ThreadPool(2)) {
            StringBuilder text = new StringBuilder();
            Generator.Result r = greedy(model, pool, new int[]{model.tokenizer().bos()}, 200, List.of(), text);
            assertEquals(expected, text.toString());
            assertEquals(200, r.generated().length);
            assertEquals(Generator.StopReason.LENGTH, r.reason());
        }
    }

    @Test
    void aGeneratedBosEndsTheStory() throws Exception {
        try (LlamaModel model = LlamaModel.load(DEMO); ThreadPool pool = new ThreadPool(2)) {
            int bos = model.tokenizer().bos();
            StringBuilder text = new StringBuilder();
            Generator.Result r = greedy(model, pool, new int[]{bos}, 2000, List.of(), text);
            assertEquals(Generator.StopReason.END_OF_GENERATION, r.reason());
            assertTrue(r.generated().length < 2000, "stopped at the story's end");
            assertFalse(IntStream.of(r.generated()).anyMatch(id -> id == bos), "BOS is not part of the answer");
            assertTrue(text.toString().strip().matches("(?s).*[.!?]\"?"), "ends with a sentence: " + text);
        }
    }

    @Test
    void stopStringIsNeverPrinted() throws Exception {
        try (LlamaModel model = LlamaModel.load(DEMO); ThreadPool pool = new ThreadPool(2)) {
            StringBuilder text = new StringBuilder();
            Generator.Result r = greedy(model, pool, new int[]{model.tokenizer().bos()}, 200, List.of("Lily"), text);
            assertEquals(Generator.StopReason.STOP_STRING, r.reason());
            assertEquals("Once upon a time, there was a little girl named ", text.toString());
        }
    }
}
