package dev.lopper.engine.eval;

/**
 * Receives the logits of every scored position of a perplexity run, in order (chunk by chunk, position by
 * position). The row is a view into a reused buffer: read it during the call, never keep it.
 */
@FunctionalInterface
public interface ScoredRow {
    /**
     * @param logits    a buffer holding the row at {@code offset}, {@code vocab} floats
     * @param logSumExp {@code log Σ exp(logits)} of the row, so {@code log p(i) = logits[offset+i] − logSumExp}
     * @param target    the token that actually follows
     */
    void accept(float[] logits, int offset, int vocab, double logSumExp, int target) throws java.io.IOException;
}
