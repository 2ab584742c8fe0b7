package dev.lopper.engine.inference;

import dev.lopper.engine.TestData;
import dev.lopper.engine.generate.Session;
import dev.lopper.engine.model.LlamaModel;
import dev.lopper.quant.ThreadPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every fixture model against its float64 reference logits (see ../shared/README.md): worst-row relative RMS
 * within 1e-3 with float activations. Runs the in-repo subset always and every fixture of ../shared when present.
 */
class ConformanceTest {
    private static ThreadPool pool;

    @BeforeAll
    static void startPool() {
        pool = new ThreadPool(2);
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    static List<Path> models() {
        List<Path> all = new ArrayList<>(TestData.referencedModels(TestData.inRepo("conformance")));
        if (TestData.hasShared()) {
            all.addAll(TestData.referencedModels(TestData.shared().resolve("fixtures/tiny")));
            all.addAll(TestData.referencedModels(TestData.shared().resolve("fixtures/pruned")));
        }
        assertFalse(all.isEmpty(), "no conformance models found");
        return all;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void logitsMatchReference(Path gguf) throws Exception {
        ReferenceLogits ref = ReferenceLogits.read(TestData.refFor(gguf));
        try (LlamaModel model = LlamaModel.load(gguf)) {
            Forward forward = new Forward(model, ref.tokens().length + ref.greedy().length, pool);
            double worst = 0;
            int argmaxAgree = 0;
            for (int pos = 0; pos < ref.tokens().length; pos++) {
                float[] logits = forward.forward(ref.tokens()[pos], pos);
                worst = Math.max(worst, ReferenceLogits.relativeRms(logits, ref.logits()[pos]));
                if (ReferenceLogits.argmax(logits) == ref.argmax()[pos]) {
                    argmaxAgree++;
                }
            }
            assertTrue(worst <= 1e-3, gguf.getFileName() + ": worst-row relative RMS " + worst + " > 1e-3");
            assertTrue(argmaxAgree == ref.tokens().length,
                    gguf.getFileName() + ": argmax agrees at " + argmaxAgree + " of " + ref.tokens().length);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void batchedPromptMatchesReference(Path gguf) throws Exception {
        ReferenceLogits ref = ReferenceLogits.read(TestData.refFor(gguf));
        try (LlamaModel model = LlamaModel.load(gguf)) {
            int[] tokens = ref.tokens();
            int vocab = model.config().vocabSize();
            Session session = new Session(model, tokens.length, pool);
            float[] all = new float[tokens.length * vocab];
            // Two uneven batches: the second attends to the cache the first one wrote.
            int split = tokens.length / 3;
            float[] first = new float[split * vocab];
            session.append(java.util.Arrays.copyOfRange(tokens, 0, split), first);
            float[] rest = new float[(tokens.length - split) * vocab];
            session.append(java.util.Arrays.copyOfRange(tokens, split, tokens.length), rest);
            System.arraycopy(first, 0, all, 0, first.length);
            System.arraycopy(rest, 0, all, first.length, rest.length);
            double worst = 0;
            for (int pos = 0; pos < tokens.length; pos++) {
                float[] row = java.util.Arrays.copyOfRange(all, pos * vocab, (pos + 1) * vocab);
                worst = Math.max(worst, ReferenceLogits.relativeRms(row, ref.logits()[pos]));
                assertTrue(ReferenceLogits.argmax(row) == ref.argmax()[pos], gguf.getFileName() + " argmax at " + pos);
            }
            assertTrue(worst <= 1e-3, gguf.getFileName() + ": batched worst-row relative RMS " + worst + " > 1e-3");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void greedyContinuationMatchesReference(Path gguf) throws Exception {
        ReferenceLogits ref = ReferenceLogits.read(TestData.refFor(gguf));
        try (LlamaModel model = LlamaModel.load(gguf)) {
            int[] prompt = ref.tokens();
            Session session = new Session(model, prompt.length + ref.greedy().length, pool);
            float[] logits = session.append(prompt);
            int[] ours = new int[ref.greedy().length];
            for (int i = 0; i < ours.length; i++) {
                ours[i] = ReferenceLogits.argmax(logits);
                logits = session.append(ours[i]);
            }
            assertArrayEquals(ref.greedy(), ours, gguf.getFileName() + ": greedy continuation");
        }
    }
}
