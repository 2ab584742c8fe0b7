package dev.lopper.engine.eval;

import dev.lopper.engine.inference.Forward;
import dev.lopper.engine.Model;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The perplexity of a model with each candidate block left out in turn (Shortened LLaMA's one-shot PPL criterion),
 * plus the whole model's, by {@link Perplexity}'s method.
 *
 * <p>The blocks before a removed block compute the same thing whichever later block is removed, so they are not
 * run again: per chunk, one pass of the whole model keeps the hidden state entering every candidate block; then for
 * candidate {@code k} (in ascending order) the run continues from the state entering {@code k} with the blocks
 * after it. Their KV cache entries are rewritten by that run; those of the blocks before {@code k} are still the
 * whole model's, which is what the skipped prefix needs. Per chunk that is {@code L + Σ (L − 1 − k)} block runs
 * instead of {@code C · (L − 1)} for {@code C} runs of {@link Perplexity} with a block skipped.
 */
public final class BlockAblation {
    private final Model model;
    private final int batch;

    public BlockAblation(Model model, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch size must be positive, got " + batch);
        }
        this.model = model;
        this.batch = Math.min(batch, Forward.MAX_BATCH);
    }

    /**
     * Scores every candidate (the file's block numbers; each must be a block that runs). {@code progress} is told
     * after each chunk, with the whole model's perplexity so far.
     */
    public Result run(TextChunks text, List<Integer> candidates, Progress progress) throws IOException {
        List<Integer> running = model.config().runningBlocks();
        int[] index = new int[candidates.size()];
        for (int i = 0; i < index.length; i++) {
            index[i] = running.indexOf(candidates.get(i));
            if (index[i] < 0) {
                throw new IllegalArgumentException("block " + candidates.get(i) + " does not run in this model "
                        + "(blocks that run: " + running + ")");
            }
            if (i > 0 && index[i] <= index[i - 1]) {
                throw new IllegalArgumentException("candidate blocks must be distinct and ascending: " + candidates);
            }
        }
        int ctx = text.ctx();
        int dim = model.config().dim();
        int vocab = model.config().vocabSize();
        Forward forward = model.newForward(ctx);
        int blocks = forward.blockCount();
        int[] chunk = new int[ctx];
        float[] logits = new float[batch * vocab];
        float[][] entering = new float[index.length][ctx * dim];
        NllSums whole = new NllSums();
        NllSums[] without = new NllSums[index.length];
        for (int i = 0; i < without.length; i++) {
            without[i] = new NllSums();
        }
        for (int c = 0; c < text.chunks(); c++) {
            text.copyChunk(c, model.tokenizer().bos(), chunk);
            for (int pos = 0; pos < ctx; pos += batch) {
                int n = Math.min(batch, ctx - pos);
                forward.embed(chunk, pos, n, pos);
                int done = 0;
                for (int i = 0; i < index.length; i++) {
                    forward.runBlocks(done, index[i]);
                    forward.saveHidden(entering[i], pos * dim);
                    done = index[i];
                }
                forward.runBlocks(done, blocks);
                scoreBatch(forward, text, c, pos, n, logits, vocab, whole);
            }
            for (int i = 0; i < index.length; i++) {
                for (int pos = 0; pos < ctx; pos += batch) {
                    int n = Math.min(batch, ctx - pos);
                    forward.embed(chunk, pos, n, pos);
                    forward.loadHidden(entering[i], pos * dim);
                    forward.runBlocks(index[i] + 1, blocks);
                    scoreBatch(forward, text, c, pos, n, logits, vocab, without[i]);
                }
            }
            progress.chunkDone(c + 1, text.chunks(), whole.estimate());
        }
        Map<Integer, PerplexityEstimate> scores = new LinkedHashMap<>();
        for (int i = 0; i < index.length; i++) {
            scores.put(candidates.get(i), without[i].estimate());
        }
        return new Result(whole.estimate(), scores);
    }

    private static void scoreBatch(Forward forward, TextChunks text, int c, int pos, int n, float[] logits, int vocab,
                                   NllSums sums) throws IOException {
        if (pos + n > text.firstScored()) {
            forward.classify(logits);
            Perplexity.score(text, c, pos, n, logits, vocab, sums, null);
        }
    }

    /**
     * @param whole   the whole model's perplexity
     * @param without per candidate block (the file's number, ascending), the perplexity with that block left out
     */
    public record Result(PerplexityEstimate whole, Map<Integer, PerplexityEstimate> without) {
        public Result {
            without = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(without));
        }

        /** The candidates, ascending. */
        public List<Integer> candidates() {
            return new ArrayList<>(without.keySet());
        }
    }
}
