package dev.lopper.engine.bench;

import java.time.Instant;
import java.util.Arrays;

/**
 * One llama-bench style test: prompt processing of {@code nPrompt} tokens ({@code pp}) or generation of
 * {@code nGen} tokens one at a time ({@code tg}), timed {@code samplesNs.length} times. Statistics are computed as
 * llama-bench computes them: tokens/s per sample, then mean and sample standard deviation.
 *
 * @param threads  worker threads
 * @param nPrompt  prompt tokens (0 for a generation test)
 * @param nGen     generated tokens (0 for a prompt test)
 * @param samplesNs wall time of each repetition
 * @param testTime when the test started
 */
public record BenchResult(int threads, int nPrompt, int nGen, long[] samplesNs, Instant testTime) {
    public BenchResult {
        samplesNs = samplesNs.clone();
        if (samplesNs.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
    }

    @Override
    public long[] samplesNs() {
        return samplesNs.clone();
    }

    /** {@code pp512} or {@code tg128}. */
    public String testName() {
        return nPrompt > 0 ? "pp" + nPrompt : "tg" + nGen;
    }

    /** Tokens each sample processed. */
    public int tokens() {
        return nPrompt + nGen;
    }

    public long avgNs() {
        return (long) Math.round(mean(Arrays.stream(samplesNs).asDoubleStream().toArray()));
    }

    public long stddevNs() {
        return (long) Math.round(stddev(Arrays.stream(samplesNs).asDoubleStream().toArray()));
    }

    /** Tokens/s of each sample. */
    public double[] samplesTs() {
        double[] ts = new double[samplesNs.length];
        for (int i = 0; i < ts.length; i++) {
            ts[i] = 1e9 * tokens() / samplesNs[i];
        }
        return ts;
    }

    public double avgTs() {
        return mean(samplesTs());
    }

    public double stddevTs() {
        return stddev(samplesTs());
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    /** Sample standard deviation (n - 1), 0 for a single sample, as llama-bench. */
    static double stddev(double[] v) {
        if (v.length <= 1) {
            return 0;
        }
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / (v.length - 1));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BenchResult r && r.threads == threads && r.nPrompt == nPrompt && r.nGen == nGen
                && Arrays.equals(r.samplesNs, samplesNs) && r.testTime.equals(testTime);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(samplesNs) * 31 + testName().hashCode();
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "%s t=%d %.2f ± %.2f t/s", testName(), threads, avgTs(),
                stddevTs());
    }
}
