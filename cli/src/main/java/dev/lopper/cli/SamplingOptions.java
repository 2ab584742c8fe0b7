package dev.lopper.cli;

import dev.lopper.engine.sampling.SamplingParams;
import picocli.CommandLine.Option;

/** Sampling options shared by {@code generate} and {@code chat}; defaults are llama.cpp's. */
public final class SamplingOptions {
    @Option(names = "--temp", paramLabel = "T", description = "Temperature; 0 = greedy (default: ${DEFAULT-VALUE}).",
            defaultValue = "" + SamplingParams.DEFAULT_TEMPERATURE)
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", description = "Keep the K most likely tokens; 0 = all (default: ${DEFAULT-VALUE}).",
            defaultValue = "" + SamplingParams.DEFAULT_TOP_K)
    int topK;

    @Option(names = "--top-p", paramLabel = "P", description = "Nucleus: smallest set with mass >= P; 1 = off (default: ${DEFAULT-VALUE}).",
            defaultValue = "" + SamplingParams.DEFAULT_TOP_P)
    float topP;

    @Option(names = "--min-p", paramLabel = "P", description = "Drop tokens below P x the top probability; 0 = off (default: ${DEFAULT-VALUE}).",
            defaultValue = "" + SamplingParams.DEFAULT_MIN_P)
    float minP;

    @Option(names = "--repeat-penalty", paramLabel = "X", description = "Penalize recent tokens; 1 = off (default: ${DEFAULT-VALUE}).",
            defaultValue = "" + SamplingParams.DEFAULT_REPEAT_PENALTY)
    float repeatPenalty;

    @Option(names = "--repeat-last-n", paramLabel = "N", description = "How many recent tokens the penalty looks at (default: ${DEFAULT-VALUE}).",
            defaultValue = "" + SamplingParams.DEFAULT_REPEAT_LAST_N)
    int repeatLastN;

    @Option(names = {"-s", "--seed"}, paramLabel = "S", description = "Random seed (default: a new one each run).")
    Long seed;

    /** The parameters, validated (a bad value is an IllegalArgumentException naming the option). */
    public SamplingParams params() {
        long s = seed != null ? seed : System.nanoTime() ^ Thread.currentThread().threadId();
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, s);
    }
}
