package dev.lopper.engine.eval;

import java.util.Locale;

/**
 * Compares a model's rows with those a {@link LogProbFile} saved for the same text, as {@code llama-perplexity
 * --kl-divergence} does: per scored token the KL divergence {@code Σ p_base(i) · (log p_base(i) − log p(i))} and
 * whether both put their largest probability on the same token; and both models' perplexities. Rows must arrive in
 * the file's order. Allocates one row buffer.
 */
public final class KlDivergence implements ScoredRow {
    private final LogProbFile base;
    private final float[] baseRow;
    private final NllSums nll = new NllSums();
    private final NllSums nllBase = new NllSums();
    private double sumKl;
    private double sumKl2;
    private long sameTop;
    private long rows;

    public KlDivergence(LogProbFile base) {
        this.base = base;
        this.baseRow = new float[base.vocab()];
    }

    @Override
    public void accept(float[] logits, int offset, int vocab, double logSumExp, int target) {
        base.readRow(rows, baseRow);
        double kl = 0;
        int top = 0;
        int topBase = 0;
        for (int i = 0; i < vocab; i++) {
            double lb = baseRow[i];
            kl += Math.exp(lb) * (lb - (logits[offset + i] - logSumExp));
            if (logits[offset + i] > logits[offset + top]) {
                top = i;
            }
            if (baseRow[i] > baseRow[topBase]) {
                topBase = i;
            }
        }
        sumKl += kl;
        sumKl2 += kl * kl;
        if (top == topBase) {
            sameTop++;
        }
        nll.add(logSumExp - logits[offset + target]);
        nllBase.add(-baseRow[target]);
        rows++;
    }

    /** The comparison so far. */
    public Result result() {
        double meanKl = rows == 0 ? Double.NaN : sumKl / rows;
        double varKl = rows == 0 ? 0 : sumKl2 / rows - meanKl * meanKl;
        double klErr = varKl > 0 && rows > 1 ? Math.sqrt(varKl / (rows - 1)) : 0;
        double top = rows == 0 ? Double.NaN : (double) sameTop / rows;
        double topErr = rows > 1 ? Math.sqrt(top * (1 - top) / (rows - 1)) : 0;
        return new Result(nll.estimate(), nllBase.estimate(), meanKl, klErr, top, topErr, rows);
    }

    /**
     * @param ppl         the compared model's perplexity
     * @param pplBase     the base model's, from the saved log-probabilities
     * @param meanKl      mean KL divergence of the compared model from the base, in nats
     * @param meanKlError its standard error
     * @param sameTop     the share of tokens where both models' most probable token agree (top-1 agreement)
     * @param sameTopError its standard error
     * @param tokens      tokens compared
     */
    public record Result(PerplexityEstimate ppl, PerplexityEstimate pplBase, double meanKl, double meanKlError,
                         double sameTop, double sameTopError, long tokens) {
        /** The summary lines, in llama-perplexity's wording. */
        public String report() {
            return String.format(Locale.ROOT, """
                    Mean PPL(Q)   : %10.6f ± %10.6f
                    Mean PPL(base): %10.6f ± %10.6f
                    Mean    KLD: %10.6f ± %10.6f
                    Same top p: %6.3f ± %5.3f %%
                    """, ppl.ppl(), ppl.error(), pplBase.ppl(), pplBase.error(), meanKl, meanKlError,
                    100 * sameTop, 100 * sameTopError);
        }
    }
}
