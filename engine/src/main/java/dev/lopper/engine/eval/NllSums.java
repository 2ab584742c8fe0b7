package dev.lopper.engine.eval;

/** Running sums of negative log-likelihoods: what a {@link PerplexityEstimate} is made of. */
final class NllSums {
    private double sum;
    private double sum2;
    private long count;

    void add(double nll) {
        sum += nll;
        sum2 += nll * nll;
        count++;
    }

    PerplexityEstimate estimate() {
        return PerplexityEstimate.of(sum, sum2, count);
    }
}
