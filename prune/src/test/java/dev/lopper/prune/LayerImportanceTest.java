package dev.lopper.prune;

import dev.lopper.engine.Lopper;
import dev.lopper.engine.Model;
import dev.lopper.engine.eval.Progress;
import dev.lopper.engine.eval.TextChunks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one-shot PPL criterion on the demo model and testdata/text/little-stories.txt at -c 128 (29 chunks),
 * against llama-perplexity (b4748) run on files pruned by {@link BlockPruner} (figures in docs/pruning.md).
 */
class LayerImportanceTest {
    static final Path ROOT = PruneTestData.projectRoot();
    static final Path DEMO = ROOT.resolve("models/stories260K.gguf");
    static final Path TEXT = ROOT.resolve("testdata/text/little-stories.txt");

    /**
     * llama-perplexity -c 128 on the demo model with block N removed by {@code lopper prune --drop N}: "Final
     * estimate: PPL = 14.3772 +/- 0.74624" (1), 8.5413 +/- 0.40851 (2), 10.3882 +/- 0.47900 (3).
     */
    static final Map<Integer, Double> LLAMA_CPP_WITHOUT = Map.of(1, 14.3772, 2, 8.5413, 3, 10.3882);

    @Test
    void removingAnyBlockRaisesPerplexityAsLlamaCppMeasuresIt(@TempDir Path dir) throws Exception {
        LayerImportance a = score(128, -1);
        assertEquals(4.1938, a.whole().ppl(), 4.1938 * 0.01);
        assertEquals(List.of(0, 1, 2, 3, 4), a.blocks().stream().map(LayerImportance.Row::block).toList());
        assertTrue(!a.blocks().getFirst().scored() && !a.blocks().getLast().scored(), "keep-first/last protect");
        for (LayerImportance.Row r : a.blocks()) {
            if (r.scored()) {
                assertTrue(r.delta() > 0, "removing block " + r.block() + " raises PPL: " + r);
                double expected = LLAMA_CPP_WITHOUT.get(r.block());
                assertEquals(expected, r.without().ppl(), expected * 0.01, "block " + r.block());
            }
        }
        List<Integer> expectedRanking = LLAMA_CPP_WITHOUT.entrySet().stream()
                .sorted(Map.Entry.comparingByValue()).map(Map.Entry::getKey).toList();
        assertEquals(expectedRanking, a.ranked().stream().map(LayerImportance.Row::block).toList());
        assertEquals(a.ranked().stream().map(LayerImportance.Row::block).toList(),
                score(128, -1).ranked().stream().map(LayerImportance.Row::block).toList(), "reproducible");
        assertEquals(List.of(expectedRanking.getFirst()), a.leastImportant(1));
        assertThrows(IllegalArgumentException.class, () -> a.leastImportant(4));

        String csv = a.csv();
        assertTrue(csv.startsWith("rank,block,ppl_without,ppl_without_error,delta_ppl\n1," + expectedRanking.getFirst()
                + ","), csv);
        assertTrue(csv.contains(",0,protected,,") && csv.contains(",4,protected,,"), csv);

        Path png = dir.resolve("chart.png");
        ImportanceChart.writePng(a, png, 640, 360);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(640, img.getWidth());
        assertEquals(360, img.getHeight());
        try (var s = Files.list(dir)) {
            assertEquals(List.of(png), s.toList());
        }
    }

    @Test
    void noCandidateLeftIsAnError() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> LayerImportance.candidates(List.of(0, 1, 2, 3, 4), 4, 2));
        assertTrue(e.getMessage().contains("no block is left"), e.getMessage());
        assertEquals(List.of(1, 2, 3), LayerImportance.candidates(List.of(0, 1, 2, 3, 4), 1, 1));
        assertEquals(List.of(2, 5), LayerImportance.candidates(List.of(0, 2, 5, 7), 1, 1));
    }

    static LayerImportance score(int ctx, int chunks) throws Exception {
        try (Model m = Lopper.load(DEMO, new Lopper.Options(2, 0))) {
            int[] tokens = m.tokenizer().encode(Files.readString(TEXT), true, false);
            return LayerImportance.score(m, TextChunks.of(tokens, ctx, chunks), 64, 1, 1, Progress.NONE);
        }
    }
}
