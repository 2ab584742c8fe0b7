package dev.lopper.engine.eval;

import dev.lopper.engine.Lopper;
import dev.lopper.engine.Model;
import dev.lopper.engine.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Perplexity of the demo model on testdata/text/little-stories.txt against the figures llama-perplexity (b4748)
 * printed for the same file and text (recorded in docs/pruning.md).
 */
class PerplexityTest {
    static final Path DEMO = TestData.projectRoot().resolve("models/stories260K.gguf");
    static final Path TEXT = TestData.inRepo("text/little-stories.txt");

    static Model model;
    static int[] tokens;

    @BeforeAll
    static void load() throws Exception {
        model = Lopper.load(DEMO, new Lopper.Options(2, 0));
        tokens = model.tokenizer().encode(Files.readString(TEXT), true, false);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void tokenizesLikeLlamaTokenize() {
        assertEquals(3749, tokens.length, "llama-tokenize --ids gives 3749 ids (BOS included)");
    }

    @Test
    void matchesLlamaPerplexityWithin1Percent() throws Exception {
        // llama-perplexity -c 128: 29 chunks, "Final estimate: PPL = 4.1938 +/- 0.17098"
        check(128, 4.1938, 0.17098, 29);
        // llama-perplexity -c 512: 7 chunks, "Final estimate: PPL = 4.1017 +/- 0.17125"
        check(512, 4.1017, 0.17125, 7);
    }

    private static void check(int ctx, double ppl, double err, int chunks) throws Exception {
        TextChunks text = TextChunks.of(tokens, ctx, -1);
        assertEquals(chunks, text.chunks());
        List<Double> running = new ArrayList<>();
        PerplexityEstimate e = new Perplexity(model, 64).run(text,
                (done, total, est) -> running.add(est.ppl()));
        assertEquals(ppl, e.ppl(), ppl * 0.01, "ctx " + ctx + ": " + e.finalLine());
        assertEquals(err, e.error(), err * 0.05, "ctx " + ctx + ": " + e.finalLine());
        assertEquals((long) chunks * (ctx - 1 - ctx / 2), e.count());
        assertEquals(chunks, running.size(), "progress after every chunk");
        assertEquals(e.ppl(), running.getLast(), 1e-12);
    }

    @Test
    void batchSizeDoesNotChangeTheResultBeyondRounding() throws Exception {
        TextChunks text = TextChunks.of(tokens, 128, 3);
        double a = new Perplexity(model, 64).run(text, Progress.NONE).ppl();
        double b = new Perplexity(model, 7).run(text, Progress.NONE).ppl();
        assertEquals(a, b, a * 1e-4);
    }

    @Test
    void chunksLimitAndShortTextAreChecked() {
        assertEquals(2, TextChunks.of(tokens, 128, 2).chunks());
        assertEquals(29, TextChunks.of(tokens, 128, 1000).chunks());
        var e = assertThrows(IllegalArgumentException.class, () -> TextChunks.of(new int[300], 256, -1));
        assertTrue(e.getMessage().contains("at least 512"), e.getMessage());
    }

    @Test
    void finalLineHasLlamaCppsFormat() {
        assertEquals("Final estimate: PPL = 4.1938 +/- 0.17098",
                new PerplexityEstimate(4.19381, 0.170981, 10).finalLine());
    }
}
