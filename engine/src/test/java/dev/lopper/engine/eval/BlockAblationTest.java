package dev.lopper.engine.eval;

import dev.lopper.engine.Lopper;
import dev.lopper.engine.Model;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reusing the prefix's hidden states gives what running the model with the block skipped gives. */
class BlockAblationTest {

    @Test
    void eachCandidateScoresAsPerplexityWithThatBlockSkipped() throws Exception {
        try (Model model = Lopper.load(PerplexityTest.DEMO, new Lopper.Options(2, 0))) {
            int[] tokens = model.tokenizer().encode(java.nio.file.Files.readString(PerplexityTest.TEXT), true, false);
            TextChunks text = TextChunks.of(tokens, 128, 4);
            BlockAblation.Result r = new BlockAblation(model, 64).run(text, List.of(0, 1, 2, 3, 4),
                    Progress.NONE);
            PerplexityEstimate whole = new Perplexity(model, 64).run(text, Progress.NONE);
            assertEquals(whole.ppl(), r.whole().ppl(), whole.ppl() * 1e-6);
            for (int b = 0; b < 5; b++) {
                try (Model skipped = Lopper.load(PerplexityTest.DEMO, new Lopper.Options(2, 0, Set.of(b)))) {
                    PerplexityEstimate e = new Perplexity(skipped, 64).run(text, Progress.NONE);
                    assertEquals(e.ppl(), r.without().get(b).ppl(), e.ppl() * 1e-6, "block " + b);
                    assertEquals(e.error(), r.without().get(b).error(), e.error() * 1e-5, "block " + b);
                }
                assertTrue(r.without().get(b).ppl() > r.whole().ppl(), "removing block " + b + " raises PPL");
            }
        }
    }

    @Test
    void aSubsetOfCandidatesGivesTheSameScores() throws Exception {
        try (Model model = Lopper.load(PerplexityTest.DEMO, new Lopper.Options(2, 0))) {
            int[] tokens = model.tokenizer().encode(java.nio.file.Files.readString(PerplexityTest.TEXT), true, false);
            TextChunks text = TextChunks.of(tokens, 64, 3);
            var all = new BlockAblation(model, 16).run(text, List.of(1, 2, 3), Progress.NONE);
            var one = new BlockAblation(model, 16).run(text, List.of(2), Progress.NONE);
            assertEquals(all.without().get(2).ppl(), one.without().get(2).ppl(), 1e-6 * one.without().get(2).ppl());
            assertThrows(IllegalArgumentException.class,
                    () -> new BlockAblation(model, 16).run(text, List.of(3, 1), Progress.NONE));
            assertThrows(IllegalArgumentException.class,
                    () -> new BlockAblation(model, 16).run(text, List.of(5), Progress.NONE));
        }
    }
}
