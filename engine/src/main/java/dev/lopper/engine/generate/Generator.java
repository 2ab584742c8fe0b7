package dev.lopper.engine.generate;

import dev.lopper.engine.sampling.Sampler;
import dev.lopper.engine.sampling.StopStringMatcher;
import dev.lopper.engine.sampling.TokenRing;
import dev.lopper.engine.tokenizer.StreamDecoder;
import dev.lopper.engine.tokenizer.Tokenizer;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Runs a prompt through a {@link Session}, then samples tokens one by one and streams their text: whole UTF-8
 * characters only, stop strings never shown (even when split across tokens), generation ending on an
 * end-of-generation token (or a generated BOS), a stop string, the token limit, a full context, or cancellation.
 *
 * <p><b>Cancellation</b> is checked between prompt batches ({@link Session#append(int[], float[], BooleanSupplier)})
 * and after every forward pass, before the token it produced is shown: once {@code cancelled} says so, nothing more
 * reaches {@code out} — not that token, and not text held back for a possible stop string or an unfinished UTF-8
 * character. What was sent to {@code out} before is the whole visible answer.
 */
public final class Generator {

    /** Why generation ended. */
    public enum StopReason { END_OF_GENERATION, STOP_STRING, LENGTH, CONTEXT_FULL, CANCELLED }

    /**
     * What one call did.
     *
     * @param promptTokens the prompt tokens run (fewer than given when cancelled between prompt batches)
     * @param generated    the sampled token ids, end-of-generation token excluded
     */
    public record Result(int promptTokens, int[] generated, long promptNanos, long decodeNanos, StopReason reason) {
        /** Prompt tokens per second, or 0 when nothing was timed. */
        public double promptTokensPerSecond() {
            return promptNanos == 0 ? 0 : promptTokens * 1e9 / promptNanos;
        }

        /** Generated tokens per second (the first token's sampling counts toward the prompt). */
        public double decodeTokensPerSecond() {
            return decodeNanos == 0 || generated.length <= 1 ? 0 : (generated.length - 1) * 1e9 / decodeNanos;
        }
    }

    private final Session session;
    private final Tokenizer tokenizer;
    private final Sampler sampler;
    private final TokenRing recent;

    public Generator(Session session, Tokenizer tokenizer, Sampler sampler) {
        this.session = session;
        this.tokenizer = tokenizer;
        this.sampler = sampler;
        int window = sampler.params().repeatLastN();
        this.recent = new TokenRing(window < 0 ? session.capacity() : Math.max(1, window));
    }

    /**
     * Appends {@code prompt} (the tokens new to the session) and generates up to {@code maxTokens} tokens
     * ({@code < 0}: until the context is full), sending text to {@code out} as it becomes final.
     *
     * @param textContinues true when the text so far is not empty, so the first piece keeps its leading space
     */
    public Result generate(int[] prompt, int maxTokens, List<String> stopStrings, boolean textContinues,
                           Consumer<String> out, BooleanSupplier cancelled) {
        try {
            return run(prompt, maxTokens, stopStrings, textContinues, out, cancelled);
        } finally {
            session.idle(); // a batcher need not wait for this session's next step
        }
    }

    private Result run(int[] prompt, int maxTokens, List<String> stopStrings, boolean textContinues,
                       Consumer<String> out, BooleanSupplier cancelled) {
        recent.clear();
        int[] seen = session.tokens();
        recent.addAll(seen, Math.max(0, seen.length - recent.capacity()), seen.length);
        recent.addAll(prompt, Math.max(0, prompt.length - recent.capacity()), prompt.length);

        long t0 = System.nanoTime();
        int before = session.length();
        float[] logits = session.append(prompt, null, cancelled);
        if (logits == null || cancelled.getAsBoolean()) { // cancelled while the prompt ran: no token is shown
            return new Result(session.length() - before, new int[0], System.nanoTime() - t0, 0,
                    StopReason.CANCELLED);
        }
        int next = sampler.sample(logits, recent);
        long t1 = System.nanoTime();

        StreamDecoder decoder = new StreamDecoder(tokenizer,
                !(textContinues || hasText(seen) || hasText(prompt)));
        StopStringMatcher stops = new StopStringMatcher(stopStrings);
        int limit = maxTokens < 0 ? Integer.MAX_VALUE : maxTokens;
        int[] generated = new int[Math.min(limit, 1024)];
        int count = 0;
        StopReason reason = StopReason.LENGTH;
        while (count < limit) {
            // A generated BOS starts a new document (llama2.c-trained models end a story this way): stop too.
            if (tokenizer.isEndOfGeneration(next) || next == tokenizer.bos()) {
                reason = StopReason.END_OF_GENERATION;
                break;
            }
            if (count == generated.length) {
                generated = java.util.Arrays.copyOf(generated, generated.length * 2);
            }
            generated[count++] = next;
            recent.add(next);
            String text = stops.feed(decoder.accept(next));
            if (!text.isEmpty()) {
                out.accept(text);
            }
            if (stops.stopped()) {
                reason = StopReason.STOP_STRING;
                break;
            }
            if (count == limit) {
                break;
            }
            if (session.length() >= session.capacity()) {
                reason = StopReason.CONTEXT_FULL;
                break;
            }
            logits = session.append(next);
            if (cancelled.getAsBoolean()) { // Ctrl-C arrived during that pass: its token is not shown
                reason = StopReason.CANCELLED;
                break;
            }
            next = sampler.sample(logits, recent);
        }
        if (reason != StopReason.STOP_STRING && reason != StopReason.CANCELLED) {
            String tail = stops.feed(decoder.flush()) + stops.flush();
            if (!tail.isEmpty()) {
                out.accept(tail);
            }
        }
        long t2 = System.nanoTime();
        return new Result(prompt.length, java.util.Arrays.copyOf(generated, count), t1 - t0, t2 - t1, reason);
    }

    private boolean hasText(int[] ids) {
        for (int id : ids) {
            if (tokenizer.pieceBytes(id).length > 0) {
                return true;
            }
        }
        return false;
    }
}
