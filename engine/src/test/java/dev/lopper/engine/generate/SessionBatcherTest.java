package dev.lopper.engine.generate;

import dev.lopper.engine.Lopper;
import dev.lopper.engine.Model;
import dev.lopper.engine.TestData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sessions of a {@link SessionBatcher}, stepped from four threads at once, see what a session alone sees: the same
 * tokens fed in give the same top-1 next token at ≥ 95% of the positions (the batched matrix × matrix path and the
 * single-row matrix × vector path differ in rounding), logits within a small tolerance, and the steps really are
 * shared: one forward pass per step for all four sessions.
 *
 * <p>The test fixes the steps' make-up so that nothing depends on thread scheduling: the first step waits for all
 * four prompts ({@link SessionBatcher#expect}) and every later step for all four sessions of the previous one (a
 * 30 s {@link SessionBatcher#gatherTimeout gather timeout} instead of 2 ms; a session that stops says so,
 * {@link Session#idle()}). So the four prompts run in one step and every later step decodes all four sessions, every
 * position is computed batched, and the agreement figures are the same on every run (for a given vector width).
 */
class SessionBatcherTest {
    private static final int STEPS = 120;

    @ParameterizedTest
    @ValueSource(strings = {"models/stories260K.gguf", "testdata/models/stories260K-q8_0-mix.gguf"})
    void batchedSessionsAgreeWithASessionAlone(String file) throws Exception {
        Path path = TestData.projectRoot().resolve(file);
        int[] story = Arrays.stream(Files.readString(TestData.projectRoot().resolve(
                "models/stories260K.greedy200.tokens.txt")).trim().split("[,\\s]+")).mapToInt(Integer::parseInt)
                .toArray();
        try (Model model = Lopper.load(path, Lopper.Options.defaults().withThreads(1).withContextSize(256))) {
            int vocab = model.config().vocabSize();
            // Four sequences: the story from four starting points, each with a two-token prompt then one by one.
            int[][] seqs = new int[4][];
            for (int s = 0; s < 4; s++) {
                seqs[s] = Arrays.copyOfRange(story, s * 10, s * 10 + STEPS + 2);
            }
            float[][][] alone = new float[4][][];
            for (int s = 0; s < 4; s++) {
                alone[s] = run(model.newSession(256), seqs[s], vocab);
            }
            float[][][] together = new float[4][][];
            try (SessionBatcher batcher = model.newBatcher(256);
                 ExecutorService threads = Executors.newFixedThreadPool(4)) {
                batcher.gatherTimeout(Duration.ofSeconds(30));
                batcher.expect(4);
                List<Future<float[][]>> futures = new ArrayList<>();
                for (int s = 0; s < 4; s++) {
                    Session session = batcher.newSession();
                    int[] seq = seqs[s];
                    futures.add(threads.submit(() -> run(session, seq, vocab)));
                }
                for (int s = 0; s < 4; s++) {
                    together[s] = futures.get(s).get();
                }
                long steps = batcher.steps();
                long rows = batcher.rows();
                System.out.printf("%s: four sessions together: %d rows in %d steps%n", file, rows, steps);
                // One step for the four two-token prompts, then one per token for all four sessions at once.
                assertEquals(1 + STEPS, steps, "one forward pass per step for all four sessions (" + rows
                        + " rows in " + steps + " steps)");
                assertEquals(4L * (STEPS + 2), rows, "every token of every session ran once");
            }
            int agree = 0;
            int total = 0;
            double maxDiff = 0;
            for (int s = 0; s < 4; s++) {
                for (int i = 0; i < alone[s].length; i++) {
                    total++;
                    if (argmax(alone[s][i]) == argmax(together[s][i])) {
                        agree++;
                    }
                    for (int v = 0; v < vocab; v++) {
                        maxDiff = Math.max(maxDiff, Math.abs(alone[s][i][v] - together[s][i][v]));
                    }
                }
            }
            System.out.printf("%s: top-1 agreement %d/%d, max |logit difference| %.3g%n", file, agree, total, maxDiff);
            assertTrue(agree >= 0.95 * total, "top-1 agreement " + agree + "/" + total);
            assertTrue(maxDiff < 0.5, "max logit difference " + maxDiff);
        }
    }

    /**
     * Logits after each token of {@code seq} from the third on (a two-token prompt, then single steps); the session
     * then says it is idle, as {@link Generator} does, so a batcher never waits for a session that failed.
     */
    private static float[][] run(Session session, int[] seq, int vocab) {
        try {
            float[][] out = new float[seq.length - 1][];
            out[0] = session.append(Arrays.copyOf(seq, 2)).clone();
            for (int i = 2; i < seq.length; i++) {
                out[i - 1] = session.append(seq[i]).clone();
            }
            assertEquals(seq.length, session.length());
            return out;
        } finally {
            session.idle();
        }
    }

    private static int argmax(float[] l) {
        int best = 0;
        for (int i = 1; i < l.length; i++) {
            if (l[i] > l[best]) {
                best = i;
            }
        }
        return best;
    }
}
