package dev.lopper.engine.inference;

import dev.lopper.engine.TestData;
import dev.lopper.engine.generate.Session;
import dev.lopper.engine.model.BlockWeights;
import dev.lopper.engine.model.LlamaModel;
import dev.lopper.quant.MatMul;
import dev.lopper.quant.WeightMatrix;
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
 * Every fixture model against its float64 reference logits (see ../shared/README.md). Runs the in-repo subset always
 * and every fixture of ../shared when present.
 *
 * <p>Two paths, two bounds (the README's): prompt processing (batches) multiplies exactly dequantized weights with
 * float activations, so it must meet worst-row relative RMS ≤ 1e-3 and the reference argmax everywhere — this is
 * the check of exact dequantization for every type. Decode (one token at a time) runs the matrix × vector kernels;
 * for the quantized types they round the activations to int8 blocks of 32 as llama.cpp does, so a model with any
 * such matrix must meet ≤ 3e-2 and the reference argmax at ≥ 80% of positions; a model of float types only
 * (F32/F16/BF16) keeps 1e-3 and every argmax. Greedy continuation: float models must reproduce the reference
 * tokens exactly; int8 models are fed the reference continuation (teacher forcing, since one different token
 * changes all later ones) and must pick the reference token at ≥ 80% of its steps.
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
            int positions = ref.tokens().length;
            System.out.printf("%s decode (%s): worst-row relative RMS %.3g, argmax %d/%d%n", gguf.getFileName(),
                    int8(model) ? "int8" : "float", worst, argmaxAgree, positions);
            if (int8(model)) {
                assertTrue(worst <= 3e-2, gguf.getFileName() + ": int8 decode worst-row relative RMS " + worst + " > 3e-2");
                assertTrue(argmaxAgree >= 0.8 * positions,
                        gguf.getFileName() + ": int8 decode argmax agrees at " + argmaxAgree + " of " + positions);
            } else {
                assertTrue(worst <= 1e-3, gguf.getFileName() + ": worst-row relative RMS " + worst + " > 1e-3");
                assertTrue(argmaxAgree == positions,
                        gguf.getFileName() + ": argmax agrees at " + argmaxAgree + " of " + positions);
            }
        }
    }

    /** Whether decoding this model rounds activations to int8 anywhere (see the class comment). */
    static boolean int8(LlamaModel model) {
        List<WeightMatrix> all = new ArrayList<>();
        for (BlockWeights b : model.weights().blocks()) {
            all.addAll(List.of(b.wq(), b.wk(), b.wv(), b.wo(), b.wGate(), b.wUp(), b.wDown()));
        }
        all.add(model.weights().output());
        return all.stream().anyMatch(MatMul::quantizesActivations);
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
            boolean int8 = int8(model);
            int agree = 0;
            for (int i = 0; i < ours.length; i++) {
                ours[i] = ReferenceLogits.argmax(logits);
                agree += ours[i] == ref.greedy()[i] ? 1 : 0;
                logits = session.append(int8 ? ref.greedy()[i] : ours[i]);
            }
            System.out.printf("%s greedy (%s): %d/%d%n", gguf.getFileName(), int8 ? "int8, teacher-forced" : "float",
                    agree, ours.length);
            if (int8) {
                assertTrue(agree >= 0.8 * ours.length, gguf.getFileName() + ": int8 decode picks the reference token at "
                        + agree + " of " + ours.length + " steps");
            } else {
                assertArrayEquals(ref.greedy(), ours, gguf.getFileName() + ": greedy continuation");
            }
        }
    }
}
