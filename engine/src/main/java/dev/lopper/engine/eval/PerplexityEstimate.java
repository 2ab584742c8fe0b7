package dev.lopper.engine.eval;

import java.util.Locale;

/**
 * A perplexity and its uncertainty as {@code llama-perplexity} states them: {@code ppl = exp(mean nll)} and
 * {@code error = ppl · sqrt((mean nll² − mean nll²) / (count − 1))}, the standard error of the mean negative
 * log-likelihood carried through the exponential.
 *
 * @param ppl   the perplexity
 * @param error its standard error (0 when fewer than two tokens were scored)
 * @param count the number of tokens scored
 */
public record PerplexityEstimate(double ppl, double error, long count) {

    /** The estimate from the sum of the negative log-likelihoods, the sum of their squares and their count. */
    public static PerplexityEstimate of(double sumNll, double sumNll2, long count) {
        if (count == 0) {
            return new PerplexityEstimate(Double.NaN, Double.NaN, 0);
        }
        double mean = sumNll / count;
        double ppl = Math.exp(mean);
        double var = sumNll2 / count - mean * mean;
        double error = var > 0 && count > 1 ? Math.sqrt(var / (count - 1)) * ppl : 0;
        return new PerplexityEstimate(ppl, error, count);
    }

    /** llama.cpp's closing line: {@code Final estimate: PPL = 12.3456 +/- 0.12345}. */
    public String finalLine() {
        return String.format(Locale.ROOT, "Final estimate: PPL = %.4f +/- %.5f", ppl, error);
    }
}
