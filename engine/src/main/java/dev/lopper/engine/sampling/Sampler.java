package dev.lopper.engine.sampling;

import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Picks the next token from a logit vector, the way llama.cpp's default sampler chain does
 * ({@code penalties → top_k → top_p → min_p → temperature → dist}, {@code src/llama-sampling.cpp}):
 *
 * <ol>
 *   <li><b>repeat penalty</b>: every distinct id among the last {@code repeatLastN} recent tokens has its logit
 *       divided by {@code repeatPenalty} if positive, multiplied if not; then lowered by
 *       {@code count × frequencyPenalty + presencePenalty} (OpenAI's penalties);</li>
 *   <li><b>temperature 0</b>: the argmax (lowest id on ties) — nothing is drawn, the generator is not used;</li>
 *   <li><b>top-k</b>: keep the {@code topK} highest logits (a bounded heap, not a sort of the vocabulary);</li>
 *   <li><b>top-p</b>: softmax over what is left, keep the smallest highest-first prefix whose mass is
 *       {@code >= topP} (at least one token);</li>
 *   <li><b>min-p</b>: keep the tokens whose probability is {@code >= minP ×} the top probability;</li>
 *   <li><b>temperature</b>: divide the surviving logits by {@code temperature}, softmax, and draw with a
 *       {@link SplittableRandom} seeded from {@link SamplingParams#seed()}.</li>
 * </ol>
 *
 * <p>As in llama.cpp, top-p and min-p see the probabilities before temperature; temperature only reshapes the draw
 * among the survivors. Ties in top-k keep the lower id.
 *
 * <p>All buffers are sized to the vocabulary in the constructor; {@link #sample} allocates nothing and does not
 * modify the caller's logits. Not thread-safe: one sampler per generation stream. The same seed, logits and recent
 * tokens always give the same sequence of tokens.
 */
public final class Sampler {

    private final SamplingParams params;
    private final int vocabSize;
    private final float logMinP;

    /** Penalized copy of the logits. */
    private final float[] work;
    /** Candidate keys: sortable logit bits in the high half, {@code ~id} in the low half (lower id wins ties). */
    private final long[] keys;
    /** Softmax numerators for top-p (by id, or by position after top-k). */
    private final float[] weights;
    /** Temperature-scaled numerators of the tokens being drawn from. */
    private final float[] drawWeights;
    /** Per-token count in the penalty window, and the distinct ids counted (reset after each use). */
    private final int[] penaltyCount;
    private final int[] penaltyIds;

    private SplittableRandom random;

    public Sampler(SamplingParams params, int vocabSize) {
        this.params = Objects.requireNonNull(params, "params");
        if (vocabSize < 1) {
            throw new IllegalArgumentException("vocabulary size must be >= 1, got " + vocabSize);
        }
        this.vocabSize = vocabSize;
        this.logMinP = params.minP() > 0f ? (float) Math.log(params.minP()) : Float.NEGATIVE_INFINITY;
        this.work = new float[vocabSize];
        this.keys = new long[vocabSize];
        this.weights = new float[vocabSize];
        this.drawWeights = new float[vocabSize];
        this.penaltyCount = new int[vocabSize];
        this.penaltyIds = new int[vocabSize];
        this.random = new SplittableRandom(params.seed());
    }

    public SamplingParams params() {
        return params;
    }

    public int vocabSize() {
        return vocabSize;
    }

    /** Restarts the random sequence from {@code seed}. */
    public void reseed(long seed) {
        random = new SplittableRandom(seed);
    }

    /** {@link #sample(float[], IntSequence)} with no recent tokens (no repeat penalty). */
    public int sample(float[] logits) {
        return sample(logits, IntSequence.EMPTY);
    }

    /**
     * The next token id.
     *
     * @param logits       one logit per vocabulary entry; not modified
     * @param recentTokens the tokens generated or fed so far, oldest first (only the last {@code repeatLastN} are
     *                     read)
     */
    public int sample(float[] logits, IntSequence recentTokens) {
        float[] l = penalized(logits, recentTokens);
        if (params.isGreedy()) {
            return argmax(l);
        }
        int count = truncate(l, false);
        return count < 0 ? drawFromAll(l) : drawFromKeys(l, count);
    }

    /**
     * The tokens {@link #sample} would draw from, most probable first, with the probabilities it would draw them
     * with (after temperature). Does not advance the random sequence. Allocates nothing.
     *
     * @return how many entries of {@code idsOut} and {@code probsOut} were filled
     */
    public int candidates(float[] logits, IntSequence recentTokens, int[] idsOut, float[] probsOut) {
        float[] l = penalized(logits, recentTokens);
        if (params.isGreedy()) {
            idsOut[0] = argmax(l);
            probsOut[0] = 1f;
            return 1;
        }
        int count = truncate(l, true);
        if (count > idsOut.length || count > probsOut.length) {
            throw new IllegalArgumentException(
                    count + " candidates do not fit in output arrays of length " + Math.min(idsOut.length,
                            probsOut.length));
        }
        float max = l[keyId(keys[0])];
        float invTemp = 1f / params.temperature();
        double sum = 0;
        for (int i = 0; i < count; i++) {
            int id = keyId(keys[i]);
            float w = (float) Math.exp((l[id] - max) * invTemp);
            idsOut[i] = id;
            probsOut[i] = w;
            sum += w;
        }
        for (int i = 0; i < count; i++) {
            probsOut[i] = (float) (probsOut[i] / sum);
        }
        return count;
    }

    // ---------------------------------------------------------------------------------------------------------------

    private float[] penalized(float[] logits, IntSequence recent) {
        if (logits.length != vocabSize) {
            throw new IllegalArgumentException(
                    "expected " + vocabSize + " logits (the vocabulary size), got " + logits.length);
        }
        int size = recent.size();
        float penalty = params.repeatPenalty();
        float presence = params.presencePenalty();
        float frequency = params.frequencyPenalty();
        int lastN = params.repeatLastN();
        if ((penalty == 1f && presence == 0f && frequency == 0f) || lastN == 0 || size == 0) {
            return logits;
        }
        System.arraycopy(logits, 0, work, 0, vocabSize);
        int distinct = 0;
        int from = lastN < 0 ? 0 : Math.max(0, size - lastN);
        for (int i = from; i < size; i++) {
            int id = recent.get(i);
            if (id >= 0 && id < vocabSize && penaltyCount[id]++ == 0) {
                penaltyIds[distinct++] = id;
            }
        }
        for (int i = 0; i < distinct; i++) {
            int id = penaltyIds[i];
            float v = work[id];
            v = v <= 0f ? v * penalty : v / penalty;
            work[id] = v - penaltyCount[id] * frequency - presence;
            penaltyCount[id] = 0;
        }
        return work;
    }

    private int argmax(float[] l) {
        int best = 0;
        float bestValue = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < l.length; i++) {
            if (l[i] > bestValue) {
                bestValue = l[i];
                best = i;
            }
        }
        return best;
    }

    /**
     * Applies top-k, top-p and min-p. Returns the number of survivors, whose keys are in {@code keys[0..count)}
     * highest first; or -1 when nothing is truncated and {@code sorted} is false (draw from every token).
     */
    private int truncate(float[] l, boolean sorted) {
        int n = vocabSize;
        int argmax = argmax(l);
        float max = l[argmax];
        if (max == Float.POSITIVE_INFINITY || !(max > Float.NEGATIVE_INFINITY)) {
            keys[0] = key(max, argmax); // degenerate: +inf wins outright; all -inf/NaN: take the first
            return 1;
        }
        boolean topK = params.topK() > 0 && params.topK() < n;
        boolean topP = params.topP() < 1f;
        boolean minP = params.minP() > 0f;
        if (!topK && !topP && !minP && !sorted) {
            return -1;
        }
        // Min-p keeps the tokens at or above this logit (relative to the max, which no filter removes).
        float floor = minP ? max + logMinP : Float.NEGATIVE_INFINITY;

        int count;
        if (topK) {
            count = params.topK();
            selectTop(l, count);
            if (topP) {
                double total = 0;
                for (int i = 0; i < count; i++) {
                    float w = (float) Math.exp(l[keyId(keys[i])] - max);
                    weights[i] = w;
                    total += w;
                }
                count = topPCut(count, params.topP() * total, false);
            }
        } else if (topP) {
            // Softmax over the whole vocabulary, once.
            double total = 0;
            float minLogit = max;
            for (int i = 0; i < n; i++) {
                float v = l[i];
                float w = v > Float.NEGATIVE_INFINITY ? (float) Math.exp(v - max) : 0f;
                weights[i] = w;
                total += w;
                if (v < minLogit) {
                    minLogit = v;
                }
            }
            double target = params.topP() * total;
            // Only tokens above a threshold holding mass >= target can be in the top-p prefix: lower the threshold in
            // steps until it does, stopping at min-p's floor (min-p drops everything below it anyway).
            float threshold = max - THRESHOLD_STEP;
            while (true) {
                if (threshold <= floor) {
                    threshold = floor;
                    break;
                }
                if (threshold <= minLogit) {
                    threshold = Float.NEGATIVE_INFINITY;
                    break;
                }
                double mass = 0;
                for (int i = 0; i < n; i++) {
                    if (l[i] >= threshold) {
                        mass += weights[i];
                    }
                }
                if (mass >= target) {
                    break;
                }
                threshold -= THRESHOLD_STEP;
            }
            count = collectSorted(l, threshold);
            count = topPCut(count, target, true);
        } else {
            count = collectSorted(l, floor);
        }

        if (minP) {
            int keep = 1;
            while (keep < count && l[keyId(keys[keep])] >= floor) {
                keep++;
            }
            count = keep;
        }
        return count;
    }

    /** Logit step (a factor e^8 in probability) for narrowing top-p's sort to the likely tokens. */
    private static final float THRESHOLD_STEP = 8f;

    /** Puts the keys of all tokens with logit {@code >= threshold} in {@code keys}, highest first. */
    private int collectSorted(float[] l, float threshold) {
        int count = 0;
        for (int i = 0; i < l.length; i++) {
            float v = l[i];
            if (v >= threshold) {
                keys[count++] = key(v, i);
            }
        }
        heapify(keys, count);
        sortHeapDescending(keys, count);
        return count;
    }

    /**
     * Top-p on sorted keys: the shortest prefix whose weight reaches {@code target}. Weights are {@code weights[id]}
     * when {@code byId}, else {@code weights[position]}.
     */
    private int topPCut(int count, double target, boolean byId) {
        double cumulative = 0;
        for (int i = 0; i < count; i++) {
            cumulative += weights[byId ? keyId(keys[i]) : i];
            if (cumulative >= target) {
                return i + 1;
            }
        }
        return count;
    }

    private int drawFromKeys(float[] l, int count) {
        if (count == 1) {
            return keyId(keys[0]);
        }
        float max = l[keyId(keys[0])];
        float invTemp = 1f / params.temperature();
        double sum = 0;
        for (int i = 0; i < count; i++) {
            float w = (float) Math.exp((l[keyId(keys[i])] - max) * invTemp);
            drawWeights[i] = w;
            sum += w;
        }
        double u = random.nextDouble() * sum;
        double cumulative = 0;
        int lastPositive = 0;
        for (int i = 0; i < count; i++) {
            float w = drawWeights[i];
            if (w > 0f) {
                cumulative += w;
                lastPositive = i;
                if (u < cumulative) {
                    return keyId(keys[i]);
                }
            }
        }
        return keyId(keys[lastPositive]);
    }

    private int drawFromAll(float[] l) {
        float max = l[argmax(l)];
        float invTemp = 1f / params.temperature();
        double sum = 0;
        for (int i = 0; i < l.length; i++) {
            float v = l[i];
            float w = v > Float.NEGATIVE_INFINITY ? (float) Math.exp((v - max) * invTemp) : 0f;
            drawWeights[i] = w;
            sum += w;
        }
        double u = random.nextDouble() * sum;
        double cumulative = 0;
        int lastPositive = 0;
        for (int i = 0; i < l.length; i++) {
            float w = drawWeights[i];
            if (w > 0f) {
                cumulative += w;
                lastPositive = i;
                if (u < cumulative) {
                    return i;
                }
            }
        }
        return lastPositive;
    }

    /** Leaves the {@code k} largest keys of all tokens in {@code keys[0..k)}, highest first. */
    private void selectTop(float[] l, int k) {
        for (int i = 0; i < k; i++) {
            keys[i] = key(l[i], i);
        }
        heapify(keys, k);
        long smallest = keys[0];
        for (int i = k; i < l.length; i++) {
            long candidate = key(l[i], i);
            if (candidate > smallest) {
                keys[0] = candidate;
                siftDown(keys, 0, k);
                smallest = keys[0];
            }
        }
        sortHeapDescending(keys, k);
    }

    // Min-heap on primitive longs ----------------------------------------------------------------------------------

    private static void heapify(long[] h, int n) {
        for (int i = (n >>> 1) - 1; i >= 0; i--) {
            siftDown(h, i, n);
        }
    }

    /** Turns a min-heap of {@code n} keys into a descending array. */
    private static void sortHeapDescending(long[] h, int n) {
        for (int end = n - 1; end > 0; end--) {
            long top = h[0];
            h[0] = h[end];
            h[end] = top;
            siftDown(h, 0, end);
        }
    }

    private static void siftDown(long[] h, int i, int n) {
        long x = h[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= n) {
                break;
            }
            if (child + 1 < n && h[child + 1] < h[child]) {
                child++;
            }
            if (h[child] >= x) {
                break;
            }
            h[i] = h[child];
            i = child;
        }
        h[i] = x;
    }

    /** Orders by logit, then by lower id; NaN counts as -infinity. */
    static long key(float logit, int id) {
        float v = logit != logit ? Float.NEGATIVE_INFINITY : logit;
        int bits = Float.floatToRawIntBits(v);
        int sortable = bits ^ ((bits >> 31) & 0x7FFFFFFF);
        return ((long) sortable << 32) | (~id & 0xFFFFFFFFL);
    }

    static int keyId(long key) {
        return ~(int) key;
    }
}
