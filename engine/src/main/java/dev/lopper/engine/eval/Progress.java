package dev.lopper.engine.eval;

/** Told after every chunk of an evaluation: how many of how many are done, and the perplexity so far. */
@FunctionalInterface
public interface Progress {
    Progress NONE = (done, total, running) -> {
    };

    void chunkDone(int done, int total, PerplexityEstimate running);
}
