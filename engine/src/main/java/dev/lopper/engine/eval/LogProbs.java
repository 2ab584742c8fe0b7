package dev.lopper.engine.eval;

/** Log-probabilities from one row of logits, computed as {@code llama-perplexity} does (a double sum of exps). */
final class LogProbs {
    private LogProbs() {
    }

    /** {@code max + log Σ exp(logit − max)} over {@code row[off .. off+n)}: {@code log p(i) = row[off+i] − this}. */
    static double logSumExp(float[] row, int off, int n) {
        float max = row[off];
        for (int i = 1; i < n; i++) {
            max = Math.max(max, row[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(row[off + i] - max);
        }
        return max + Math.log(sum);
    }

    /** The index of the largest of {@code row[off .. off+n)}, the first one on ties. */
    static int argmax(float[] row, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (row[off + i] > row[off + best]) {
                best = i;
            }
        }
        return best;
    }
}
