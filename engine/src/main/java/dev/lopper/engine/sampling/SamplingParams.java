package dev.lopper.engine.sampling;

import java.util.SplittableRandom;

/**
 * Sampling settings, with llama.cpp's defaults ({@code common/common.h}, {@code common_params_sampling}).
 *
 * <table>
 *   <caption>Parameters</caption>
 *   <tr><th>parameter</th><th>default</th><th>range</th><th>off</th></tr>
 *   <tr><td>temperature</td><td>0.8</td><td>&ge; 0</td><td>0 = greedy (argmax)</td></tr>
 *   <tr><td>topK</td><td>40</td><td>&ge; 0</td><td>0 = whole vocabulary</td></tr>
 *   <tr><td>topP</td><td>0.95</td><td>[0, 1]</td><td>1</td></tr>
 *   <tr><td>minP</td><td>0.05</td><td>[0, 1]</td><td>0</td></tr>
 *   <tr><td>repeatPenalty</td><td>1.0</td><td>&gt; 0</td><td>1</td></tr>
 *   <tr><td>repeatLastN</td><td>64</td><td>&ge; -1</td><td>0; -1 = every recent token given</td></tr>
 *   <tr><td>presencePenalty</td><td>0</td><td>[-2, 2]</td><td>0</td></tr>
 *   <tr><td>frequencyPenalty</td><td>0</td><td>[-2, 2]</td><td>0</td></tr>
 * </table>
 *
 * <p>The seed makes sampling reproducible: the same seed, logits and recent tokens give the same tokens. llama.cpp
 * draws a random seed by default; {@link #defaults()} does the same (the chosen seed is in the record, so it can be
 * printed and replayed).
 *
 * <p>The presence and frequency penalties are OpenAI's (llama.cpp's {@code penalty_present}/{@code penalty_freq}):
 * a token seen {@code c > 0} times among the last {@code repeatLastN} recent tokens has its logit lowered by
 * {@code c × frequencyPenalty + presencePenalty}, after the repeat penalty.
 *
 * <p>Invalid values throw {@link IllegalArgumentException} naming the parameter.
 */
public record SamplingParams(
        float temperature, int topK, float topP, float minP, float repeatPenalty, int repeatLastN, long seed,
        float presencePenalty, float frequencyPenalty) {

    public static final float DEFAULT_TEMPERATURE = 0.8f;
    public static final int DEFAULT_TOP_K = 40;
    public static final float DEFAULT_TOP_P = 0.95f;
    public static final float DEFAULT_MIN_P = 0.05f;
    public static final float DEFAULT_REPEAT_PENALTY = 1.0f;
    public static final int DEFAULT_REPEAT_LAST_N = 64;

    public SamplingParams {
        if (!(temperature >= 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0 (0 disables it), got " + topK);
        }
        if (!(topP >= 0f && topP <= 1f)) {
            throw new IllegalArgumentException("top-p must be in [0, 1] (1 disables it), got " + topP);
        }
        if (!(minP >= 0f && minP <= 1f)) {
            throw new IllegalArgumentException("min-p must be in [0, 1] (0 disables it), got " + minP);
        }
        if (!(repeatPenalty > 0f) || Float.isInfinite(repeatPenalty)) {
            throw new IllegalArgumentException(
                    "repeat-penalty must be a finite number > 0 (1 disables it), got " + repeatPenalty);
        }
        if (repeatLastN < -1) {
            throw new IllegalArgumentException(
                    "repeat-last-n must be >= -1 (0 disables the penalty, -1 uses every recent token), got "
                            + repeatLastN);
        }
        if (!(presencePenalty >= -2f && presencePenalty <= 2f)) {
            throw new IllegalArgumentException("presence penalty must be in [-2, 2] (0 disables it), got "
                    + presencePenalty);
        }
        if (!(frequencyPenalty >= -2f && frequencyPenalty <= 2f)) {
            throw new IllegalArgumentException("frequency penalty must be in [-2, 2] (0 disables it), got "
                    + frequencyPenalty);
        }
    }

    /** Without presence or frequency penalty. */
    public SamplingParams(float temperature, int topK, float topP, float minP, float repeatPenalty, int repeatLastN,
                          long seed) {
        this(temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed, 0f, 0f);
    }

    /** llama.cpp's defaults with a freshly drawn random seed. */
    public static SamplingParams defaults() {
        return defaults(new SplittableRandom().nextLong());
    }

    /** llama.cpp's defaults with the given seed. */
    public static SamplingParams defaults(long seed) {
        return new SamplingParams(DEFAULT_TEMPERATURE, DEFAULT_TOP_K, DEFAULT_TOP_P, DEFAULT_MIN_P,
                DEFAULT_REPEAT_PENALTY, DEFAULT_REPEAT_LAST_N, seed);
    }

    /** Greedy decoding: temperature 0, no repeat penalty. */
    public static SamplingParams greedy() {
        return defaults(0L).withTemperature(0f);
    }

    /** True when {@link Sampler} picks the argmax without drawing. */
    public boolean isGreedy() {
        return temperature == 0f;
    }

    public SamplingParams withTemperature(float value) {
        return new SamplingParams(value, topK, topP, minP, repeatPenalty, repeatLastN, seed,
                presencePenalty, frequencyPenalty);
    }

    public SamplingParams withTopK(int value) {
        return new SamplingParams(temperature, value, topP, minP, repeatPenalty, repeatLastN, seed,
                presencePenalty, frequencyPenalty);
    }

    public SamplingParams withTopP(float value) {
        return new SamplingParams(temperature, topK, value, minP, repeatPenalty, repeatLastN, seed,
                presencePenalty, frequencyPenalty);
    }

    public SamplingParams withMinP(float value) {
        return new SamplingParams(temperature, topK, topP, value, repeatPenalty, repeatLastN, seed,
                presencePenalty, frequencyPenalty);
    }

    public SamplingParams withRepeatPenalty(float value) {
        return new SamplingParams(temperature, topK, topP, minP, value, repeatLastN, seed,
                presencePenalty, frequencyPenalty);
    }

    public SamplingParams withRepeatLastN(int value) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, value, seed,
                presencePenalty, frequencyPenalty);
    }

    public SamplingParams withSeed(long value) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, value,
                presencePenalty, frequencyPenalty);
    }

    public SamplingParams withPresencePenalty(float value) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed, value,
                frequencyPenalty);
    }

    public SamplingParams withFrequencyPenalty(float value) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed, presencePenalty,
                value);
    }
}
