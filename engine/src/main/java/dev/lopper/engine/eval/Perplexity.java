package dev.lopper.engine.eval;

import dev.lopper.engine.inference.Forward;
import dev.lopper.engine.Model;

import java.io.IOException;

/**
 * Perplexity of a model on a text by {@code llama-perplexity}'s method (see {@link TextChunks}): each chunk is run
 * from an empty cache with BOS first, in batches, and the logits of its second half score the tokens that follow.
 * Every buffer is allocated once per run; the loop over tokens allocates nothing.
 */
public final class Perplexity {
    private final Model model;
    private final int batch;

    /**
     * @param batch tokens run through the model at once, at most {@link Forward#MAX_BATCH} (larger values are
     *              capped: they would give the same numbers)
     */
    public Perplexity(Model model, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch size must be positive, got " + batch);
        }
        this.model = model;
        this.batch = Math.min(batch, Forward.MAX_BATCH);
    }

    /** The perplexity over {@code text}, telling {@code progress} after each chunk. */
    public PerplexityEstimate run(TextChunks text, Progress progress) throws IOException {
        return run(text, progress, null);
    }

    /**
     * The perplexity over {@code text}; when {@code also} is not null it receives every scored row too (to save
     * log-probabilities or compare with saved ones).
     */
    public PerplexityEstimate run(TextChunks text, Progress progress, ScoredRow also) throws IOException {
        int ctx = text.ctx();
        int vocab = model.config().vocabSize();
        int bos = model.tokenizer().bos();
        Forward forward = model.newForward(ctx);
        int[] chunk = new int[ctx];
        float[] logits = new float[batch * vocab];
        NllSums sums = new NllSums();
        for (int c = 0; c < text.chunks(); c++) {
            text.copyChunk(c, bos, chunk);
            for (int pos = 0; pos < ctx; pos += batch) {
                int n = Math.min(batch, ctx - pos);
                boolean scored = pos + n > text.firstScored();
                forward.embed(chunk, pos, n, pos);
                forward.runBlocks(0, forward.blockCount());
                if (scored) {
                    forward.classify(logits);
                    score(text, c, pos, n, logits, vocab, sums, also);
                }
            }
            progress.chunkDone(c + 1, text.chunks(), sums.estimate());
        }
        return sums.estimate();
    }

    /** Scores the rows of a batch at positions {@code pos .. pos+n) that fall in the chunk's scored half. */
    static void score(TextChunks text, int c, int pos, int n, float[] logits, int vocab, NllSums sums,
                      ScoredRow also) throws IOException {
        int from = Math.max(pos, text.firstScored());
        int to = Math.min(pos + n, text.ctx() - 1);
        for (int p = from; p < to; p++) {
            int off = (p - pos) * vocab;
            int target = text.next(c, p);
            double lse = LogProbs.logSumExp(logits, off, vocab);
            sums.add(lse - logits[off + target]);
            if (also != null) {
                also.accept(logits, off, vocab, lse, target);
            }
        }
    }
}
