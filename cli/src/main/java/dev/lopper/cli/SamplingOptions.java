package dev.lopper.cli;

import dev.lopper.engine.sampling.SamplingParams;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Sampling options shared by {@code generate} and {@code chat}; defaults are llama.cpp's. Values out of range are
 * bad arguments (exit 2 with the usage hint), checked as they are parsed.
 */
public final class SamplingOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    private float temperature;
    private int topK;
    private float topP;
    private float minP;
    private float repeatPenalty;
    private int repeatLastN;

    @Option(names = {"-s", "--seed"}, paramLabel = "S", description = "Random seed (default: a new one each run).")
    Long seed;

    @Option(names = "--temp", paramLabel = "T", description = "Temperature, >= 0; 0 = greedy (default: ${DEFAULT-VALUE}).",
            defaultValue = "" + SamplingParams.DEFAULT_TEMPERATURE)
    void temperature(float t) {
        OptionChecks.require(t >= 0 && Float.isFinite(t), spec, "--temp must be a number >= 0, got " + t);
        temperature = t;
    }

    @Option(names = "--top-k", paramLabel = "K", description = "Keep the K most likely tokens; 0 = all (default: ${DEFAULT-VALUE}).",
            defaultValue = "" + SamplingParams.DEFAULT_TOP_K)
    void topK(int k) {
        OptionChecks.require(k >= 0, spec, "--top-k must be 0 (all) or more, got " + k);
        topK = k;
    }

    @Option(names = "--top-p", paramLabel = "P", description = "Nucleus: smallest set with mass >= P, in [0, 1]; 1 = off (default: ${DEFAULT-VALUE}).",
            defaultValue = "" + SamplingParams.DEFAULT_TOP_P)
    void topP(float p) {
        OptionChecks.require(p >= 0 && p <= 1, spec, "--top-p must be in [0, 1], got " + p);
        topP = p;
    }

    @Option(names = "--min-p", paramLabel = "P", description = "Drop tokens below P x the top probability, in [0, 1]; 0 = off (default: ${DEFAULT-VALUE}).",
            defaultValue = "" + SamplingParams.DEFAULT_MIN_P)
    void minP(float p) {
        OptionChecks.require(p >= 0 && p <= 1, spec, "--min-p must be in [0, 1], got " + p);
        minP = p;
    }

    @Option(names = "--repeat-penalty", paramLabel = "X", description = "Penalize recent tokens, > 0; 1 = off (default: ${DEFAULT-VALUE}).",
            defaultValue = "" + SamplingParams.DEFAULT_REPEAT_PENALTY)
    void repeatPenalty(float x) {
        OptionChecks.require(x > 0 && Float.isFinite(x), spec, "--repeat-penalty must be a number > 0, got " + x);
        repeatPenalty = x;
    }

    @Option(names = "--repeat-last-n", paramLabel = "N", description = "How many recent tokens the penalty looks at; -1 = the whole context (default: ${DEFAULT-VALUE}).",
            defaultValue = "" + SamplingParams.DEFAULT_REPEAT_LAST_N)
    void repeatLastN(int n) {
        OptionChecks.require(n >= -1, spec, "--repeat-last-n must be -1 (the context) or more, got " + n);
        repeatLastN = n;
    }

    /** The parameters (already checked option by option). */
    public SamplingParams params() {
        long s = seed != null ? seed : System.nanoTime() ^ Thread.currentThread().threadId();
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, s);
    }
}
