package dev.lopper.engine.generate;

import dev.lopper.engine.Lopper;
import dev.lopper.engine.Model;
import dev.lopper.engine.TestData;
import dev.lopper.engine.inference.Forward;
import dev.lopper.engine.sampling.Sampler;
import dev.lopper.engine.sampling.SamplingParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ctrl-C semantics: a long prompt stops between batches when cancelled from another thread, leaving the session
 * consistent; a cancel that arrives during a forward pass shows nothing more, not even that pass's token.
 */
class CancellationTest {
    private static Model model;

    @BeforeAll
    static void load() throws Exception {
        model = Lopper.load(TestData.inRepo("models/stories260K-q8_0-mix.gguf"),
                Lopper.Options.defaults().withThreads(1));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static int[] longPrompt() {
        int[] ids = model.tokenizer().encode("Once upon a time, there was a little dog named Max. ".repeat(30),
                true, false);
        assertTrue(ids.length > 5 * Forward.MAX_BATCH, "prompt of " + ids.length + " tokens");
        return ids;
    }

    /**
     * The cancel flag is set by another thread while the prompt runs; here it is set while the second check
     * waits, so exactly two batches have run and no third starts.
     */
    @Test
    void aLongPromptStopsBetweenBatchesWhenCancelledFromAnotherThread() throws Exception {
        int[] prompt = longPrompt();
        Session session = model.newSession(512);
        AtomicBoolean cancelled = new AtomicBoolean();
        CountDownLatch asked = new CountDownLatch(1);
        CountDownLatch set = new CountDownLatch(1);
        Thread canceller = Thread.ofPlatform().start(() -> {
            try {
                asked.await();
                cancelled.set(true);
                set.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        int[] checks = {0};
        BooleanSupplier check = () -> {
            if (++checks[0] == 2) {
                asked.countDown();
                try {
                    assertTrue(set.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
            return cancelled.get();
        };
        assertNull(session.append(prompt, null, check), "a cancelled prompt gives no logits");
        canceller.join();
        assertEquals(2, checks[0], "no batch runs after the cancel is seen");
        assertEquals(2 * Forward.MAX_BATCH, session.length(), "only the batches that ran are cached");
        assertArrayEquals(Arrays.copyOf(prompt, 2 * Forward.MAX_BATCH), session.tokens());

        // Still usable: the rest of the prompt gives the logits an uninterrupted run gives.
        float[] resumed = session.append(Arrays.copyOfRange(prompt, session.length(), prompt.length)).clone();
        float[] whole = model.newSession(512).append(prompt);
        assertEquals(prompt.length, session.length());
        assertArrayEquals(whole, resumed, 1e-4f);
    }

    /** Through the Generator: the result counts only the prompt tokens that ran and nothing is shown. */
    @Test
    void aCancelledPromptShowsNothingAndCountsOnlyWhatRan() {
        int[] prompt = longPrompt();
        Session session = model.newSession(512);
        int[] checks = {0};
        List<String> shown = new ArrayList<>();
        Generator.Result r = new Generator(session, model.tokenizer(),
                new Sampler(SamplingParams.greedy(), model.config().vocabSize()))
                .generate(prompt, 20, List.of(), false, shown::add, () -> ++checks[0] >= 3);
        assertEquals(Generator.StopReason.CANCELLED, r.reason());
        assertEquals(3 * Forward.MAX_BATCH, r.promptTokens());
        assertEquals(3 * Forward.MAX_BATCH, session.length());
        assertEquals(0, r.generated().length);
        assertEquals(List.of(), shown);
    }

    /**
     * Ctrl-C arriving while the forward pass for a token runs (simulated by the stepper setting the flag during its
     * fifth pass): the tokens of passes one to four are shown, the fifth pass's token is not, and nothing held back
     * is flushed afterwards.
     */
    @Test
    void aCancelDuringAForwardPassShowsNothingMore() {
        int[] prompt = model.tokenizer().encode("Once upon a time", true, false);
        StringBuilder full = new StringBuilder();
        Sampler greedy = new Sampler(SamplingParams.greedy(), model.config().vocabSize());
        new Generator(model.newSession(256), model.tokenizer(), greedy)
                .generate(prompt, 20, List.of(), false, full::append, () -> false);

        AtomicBoolean cancelled = new AtomicBoolean();
        Forward forward = model.newForward(256);
        int[] passes = {0};
        Session session = new Session((tokens, from, n, pos, all) -> {
            float[] logits = forward.forward(tokens, from, n, pos, all);
            if (++passes[0] == 5) {
                cancelled.set(true);
            }
            return logits;
        }, 256, model.config().vocabSize());
        List<String> shown = new ArrayList<>();
        List<Integer> shownAtPass = new ArrayList<>();
        Generator.Result r = new Generator(session, model.tokenizer(), greedy)
                .generate(prompt, 20, List.of(), false, text -> {
                    shown.add(text);
                    shownAtPass.add(passes[0]);
                }, cancelled::get);
        assertEquals(Generator.StopReason.CANCELLED, r.reason());
        assertEquals(4, r.generated().length, "tokens of passes 1-4");
        assertTrue(shownAtPass.stream().allMatch(p -> p < 5), "nothing shown once the flag was set: " + shownAtPass);
        String text = String.join("", shown);
        assertTrue(!text.isEmpty() && full.toString().startsWith(text), text + " vs " + full);
        assertTrue(text.length() < full.length());
    }
}
