package dev.lopper.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SamplerTest {

    static final int VOCAB = 32000;

    /** Params with every filter off, so a test can switch on exactly one. */
    static SamplingParams plain(float temperature) {
        return new SamplingParams(temperature, 0, 1f, 0f, 1f, 64, 42L);
    }

    static float[] randomLogits(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] l = new float[n];
        for (int i = 0; i < n; i++) {
            l[i] = (float) (r.nextGaussian() * 3.0);
        }
        return l;
    }

    static int argmax(float[] l) {
        int best = 0;
        for (int i = 1; i < l.length; i++) {
            if (l[i] > l[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Ids sorted by descending logit (ties: lower id first). */
    static int[] order(float[] l) {
        return IntStream.range(0, l.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -l[i]).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
    }

    static double[] softmax(float[] l) {
        double max = l[argmax(l)];
        double[] p = new double[l.length];
        double sum = 0;
        for (int i = 0; i < l.length; i++) {
            p[i] = Math.exp(l[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < l.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    @Test
    void temperatureZeroIsArgmax() {
        for (long seed = 0; seed < 20; seed++) {
            float[] l = randomLogits(VOCAB, seed);
            Sampler s = new Sampler(SamplingParams.defaults(seed).withTemperature(0f), VOCAB);
            assertEquals(argmax(l), s.sample(l));
        }
    }

    @Test
    void greedyTiesPickTheLowestId() {
        float[] l = {1f, 3f, 3f, 2f};
        assertEquals(1, new Sampler(SamplingParams.greedy(), 4).sample(l));
    }

    @Test
    void topKOneIsArgmax() {
        float[] l = randomLogits(VOCAB, 7);
        for (long seed = 0; seed < 200; seed++) {
            Sampler s = new Sampler(plain(1.5f).withTopK(1).withSeed(seed), VOCAB);
            assertEquals(argmax(l), s.sample(l));
        }
    }

    @Test
    void topKOnlyEverDrawsTheKBest() {
        // Flat-ish logits so that every one of the K best gets drawn; temperature 2 flattens further.
        float[] l = randomLogits(VOCAB, 11);
        for (int i = 0; i < l.length; i++) {
            l[i] *= 0.1f;
        }
        int k = 5;
        Set<Integer> best = new HashSet<>();
        for (int id : Arrays.copyOf(order(l), k)) {
            best.add(id);
        }
        Set<Integer> seen = new HashSet<>();
        for (long seed = 0; seed < 2000; seed++) {
            Sampler s = new Sampler(plain(2f).withTopK(k).withSeed(seed), VOCAB);
            int id = s.sample(l);
            assertTrue(best.contains(id), "drew " + id + " outside the top " + k);
            seen.add(id);
        }
        assertEquals(best, seen);
    }

    @Test
    void topKCandidatesAreTheKBestInOrder() {
        float[] l = randomLogits(VOCAB, 3);
        int k = 40;
        int[] ids = new int[VOCAB];
        float[] probs = new float[VOCAB];
        int n = new Sampler(plain(1f).withTopK(k), VOCAB).candidates(l, IntSequence.EMPTY, ids, probs);
        assertEquals(k, n);
        assertArrayEquals(Arrays.copyOf(order(l), k), Arrays.copyOf(ids, n));
    }

    @Test
    void topPKeepsTheSmallestPrefixWithMassAtLeastP() {
        for (long seed = 0; seed < 10; seed++) {
            float[] l = randomLogits(2000, seed);
            for (float p : new float[] {0.1f, 0.5f, 0.9f, 0.95f}) {
                double[] probs = softmax(l);
                int[] sorted = order(l);
                int expected = 0;
                double mass = 0;
                while (mass < p) {
                    mass += probs[sorted[expected++]];
                }
                int[] ids = new int[l.length];
                float[] out = new float[l.length];
                int n = new Sampler(plain(1f).withTopP(p), l.length).candidates(l, IntSequence.EMPTY, ids, out);
                assertEquals(expected, n, "top-p " + p);
                assertArrayEquals(Arrays.copyOf(sorted, expected), Arrays.copyOf(ids, n));
                // Renormalised over the survivors.
                double total = 0;
                for (int i = 0; i < n; i++) {
                    total += out[i];
                    assertEquals(probs[ids[i]] / mass, out[i], 1e-4);
                }
                assertEquals(1.0, total, 1e-4);
            }
        }
    }

    @Test
    void topPWithMassInALongTail() {
        // One token at 0 holds ~20% of the mass; 31999 tokens at -9 hold the rest, so top-p 0.9 must reach deep.
        float[] l = new float[VOCAB];
        Arrays.fill(l, -9f);
        l[123] = 0f;
        double tail = Math.exp(-9);
        double total = 1 + (VOCAB - 1) * tail;
        int expected = 1 + (int) Math.ceil((0.9 * total - 1) / tail);
        int[] ids = new int[VOCAB];
        float[] out = new float[VOCAB];
        int n = new Sampler(plain(1f).withTopP(0.9f), VOCAB).candidates(l, IntSequence.EMPTY, ids, out);
        assertTrue(Math.abs(n - expected) <= 1, n + " vs " + expected);
        assertEquals(123, ids[0]);
        for (int i = 1; i < n; i++) {
            assertEquals(i <= 123 ? i - 1 : i, ids[i]); // equal logits: lower id first
        }
        // With min-p 0.05 the tail (ratio e^-9) is below the floor: only the top token survives.
        assertEquals(1, new Sampler(plain(1f).withTopP(0.9f).withMinP(0.05f), VOCAB)
                .candidates(l, IntSequence.EMPTY, ids, out));
    }

    @Test
    void topPThenMinPWithoutTopK() {
        for (long seed = 0; seed < 10; seed++) {
            float[] l = randomLogits(VOCAB, seed);
            double[] probs = softmax(l);
            int[] sorted = order(l);
            int keep = 0;
            double mass = 0;
            while (mass < 0.95) {
                mass += probs[sorted[keep++]];
            }
            double top = probs[sorted[0]];
            int expected = 0;
            while (expected < keep && probs[sorted[expected]] >= 0.05 * top) {
                expected++;
            }
            int[] ids = new int[VOCAB];
            float[] out = new float[VOCAB];
            int n = new Sampler(plain(1f).withTopP(0.95f).withMinP(0.05f), VOCAB)
                    .candidates(l, IntSequence.EMPTY, ids, out);
            assertArrayEquals(Arrays.copyOf(sorted, expected), Arrays.copyOf(ids, n));
        }
    }

    @Test
    void topPZeroKeepsOneToken() {
        float[] l = randomLogits(100, 5);
        int[] ids = new int[100];
        float[] out = new float[100];
        assertEquals(1, new Sampler(plain(1f).withTopP(0f), 100).candidates(l, IntSequence.EMPTY, ids, out));
        assertEquals(argmax(l), ids[0]);
    }

    @Test
    void minPKeepsTokensWithAtLeastMinPTimesTheTopProbability() {
        for (long seed = 0; seed < 10; seed++) {
            float[] l = randomLogits(VOCAB, seed);
            float minP = 0.05f;
            double[] probs = softmax(l);
            double top = probs[argmax(l)];
            int[] expected = Arrays.stream(order(l)).filter(i -> probs[i] >= minP * top).toArray();
            int[] ids = new int[VOCAB];
            float[] out = new float[VOCAB];
            int n = new Sampler(plain(1f).withMinP(minP), VOCAB).candidates(l, IntSequence.EMPTY, ids, out);
            assertArrayEquals(expected, Arrays.copyOf(ids, n));
        }
    }

    @Test
    void filtersComposeLikeLlamaCpp() {
        // top-k 40 → top-p 0.95 → min-p 0.05, computed independently on the 40 best.
        float[] l = randomLogits(VOCAB, 99);
        int[] top40 = Arrays.copyOf(order(l), 40);
        float[] sub = new float[40];
        for (int i = 0; i < 40; i++) {
            sub[i] = l[top40[i]];
        }
        double[] p = softmax(sub);
        int keep = 0;
        double mass = 0;
        while (keep < 40 && mass < 0.95) {
            mass += p[keep++];
        }
        int afterMinP = 0;
        while (afterMinP < keep && p[afterMinP] >= 0.05 * p[0]) {
            afterMinP++;
        }
        int[] ids = new int[VOCAB];
        float[] out = new float[VOCAB];
        int n = new Sampler(SamplingParams.defaults(1L), VOCAB).candidates(l, IntSequence.EMPTY, ids, out);
        assertArrayEquals(Arrays.copyOf(top40, afterMinP), Arrays.copyOf(ids, n));
    }

    @Test
    void temperatureReshapesTheDrawButNotTheFilters() {
        float[] l = {2f, 1f, 0f, -1f};
        int[] ids = new int[4];
        float[] hot = new float[4];
        float[] cold = new float[4];
        assertEquals(4, new Sampler(plain(2f), 4).candidates(l, IntSequence.EMPTY, ids, hot));
        assertEquals(4, new Sampler(plain(0.5f), 4).candidates(l, IntSequence.EMPTY, ids, cold));
        assertTrue(cold[0] > hot[0]);
        double[] expectedHot = softmax(new float[] {1f, 0.5f, 0f, -0.5f});
        for (int i = 0; i < 4; i++) {
            assertEquals(expectedHot[i], hot[i], 1e-6);
        }
    }

    @Test
    void sameSeedSameSequence() {
        float[] l = randomLogits(VOCAB, 1);
        Sampler a = new Sampler(SamplingParams.defaults(1234L).withTemperature(1.2f), VOCAB);
        Sampler b = new Sampler(SamplingParams.defaults(1234L).withTemperature(1.2f), VOCAB);
        Sampler c = new Sampler(SamplingParams.defaults(4321L).withTemperature(1.2f), VOCAB);
        int[] sa = new int[200];
        int[] sb = new int[200];
        int[] sc = new int[200];
        for (int i = 0; i < 200; i++) {
            sa[i] = a.sample(l);
            sb[i] = b.sample(l);
            sc[i] = c.sample(l);
        }
        assertArrayEquals(sa, sb);
        assertNotEquals(Arrays.toString(sa), Arrays.toString(sc));
        a.reseed(1234L);
        for (int i = 0; i < 200; i++) {
            assertEquals(sa[i], a.sample(l));
        }
    }

    @Test
    void drawFrequenciesFollowTheDistribution() {
        float[] l = {1f, 0f, -1f, 0.5f};
        double[] p = softmax(l);
        Sampler s = new Sampler(plain(1f), 4);
        int[] counts = new int[4];
        int draws = 200_000;
        for (int i = 0; i < draws; i++) {
            counts[s.sample(l)]++;
        }
        for (int i = 0; i < 4; i++) {
            assertEquals(p[i], counts[i] / (double) draws, 0.01, "token " + i);
        }
    }

    @Test
    void repeatPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        SamplingParams greedy = SamplingParams.greedy().withRepeatPenalty(1.2f);
        // 2.0 / 1.2 = 1.67 < 1.9: the repeated token loses.
        assertEquals(0, new Sampler(greedy, 2).sample(new float[] {2.0f, 1.9f}));
        assertEquals(1, new Sampler(greedy, 2).sample(new float[] {2.0f, 1.9f}, IntSequence.of(0)));
        // -1.0 * 1.2 = -1.2 < -1.1: a negative logit is made more negative, not less.
        assertEquals(1, new Sampler(greedy, 2).sample(new float[] {-1.0f, -1.1f}, IntSequence.of(0)));
    }

    @Test
    void repeatPenaltyLowersTheRepeatedTokensProbability() {
        float[] l = randomLogits(1000, 4);
        int token = argmax(l);
        int[] ids = new int[1000];
        float[] before = new float[1000];
        float[] after = new float[1000];
        int n1 = new Sampler(plain(1f), 1000).candidates(l, IntSequence.EMPTY, ids, before);
        double pBefore = probOf(token, ids, before, n1);
        int n2 = new Sampler(plain(1f).withRepeatPenalty(1.3f), 1000)
                .candidates(l, IntSequence.of(token, token, token), ids, after);
        double pAfter = probOf(token, ids, after, n2);
        assertTrue(pAfter < pBefore, pAfter + " should be < " + pBefore);
        // Penalized once however often it repeats: same as a single occurrence.
        float[] once = new float[1000];
        int n3 = new Sampler(plain(1f).withRepeatPenalty(1.3f), 1000).candidates(l, IntSequence.of(token), ids, once);
        assertEquals(pAfter, probOf(token, ids, once, n3), 1e-7);
        // The caller's logits are untouched.
        assertArrayEquals(randomLogits(1000, 4), l);
    }

    private static double probOf(int token, int[] ids, float[] probs, int n) {
        for (int i = 0; i < n; i++) {
            if (ids[i] == token) {
                return probs[i];
            }
        }
        return 0;
    }

    @Test
    void repeatPenaltyOnlyLooksAtTheLastN() {
        SamplingParams p = SamplingParams.greedy().withRepeatPenalty(2f).withRepeatLastN(2);
        float[] l = {2.0f, 1.5f, 0f, 0f};
        assertEquals(0, new Sampler(p, 4).sample(l, IntSequence.of(0, 2, 3)));
        assertEquals(1, new Sampler(p, 4).sample(l, IntSequence.of(2, 0, 3)));
        assertEquals(1, new Sampler(p.withRepeatLastN(-1), 4).sample(l, IntSequence.of(0, 2, 3)));
        assertEquals(0, new Sampler(p.withRepeatLastN(0), 4).sample(l, IntSequence.of(2, 3, 0)));
    }

    @Test
    void worksWithATokenRing() {
        TokenRing ring = new TokenRing(3);
        ring.addAll(new int[] {0, 0, 0, 2, 3, 3}, 0, 6); // token 0 has left the window
        SamplingParams p = SamplingParams.greedy().withRepeatPenalty(2f);
        assertEquals(0, new Sampler(p, 4).sample(new float[] {2f, 1.5f, 0f, 0f}, ring));
    }

    @Test
    void wrongLogitCountIsRejected() {
        Sampler s = new Sampler(SamplingParams.defaults(0), 10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.sample(new float[9]));
        assertTrue(e.getMessage().contains("10"));
    }

    @Test
    void degenerateLogits() {
        Sampler s = new Sampler(SamplingParams.defaults(0), 4);
        float inf = Float.POSITIVE_INFINITY;
        float ninf = Float.NEGATIVE_INFINITY;
        assertEquals(2, s.sample(new float[] {1f, 2f, inf, 3f}));
        assertEquals(3, s.sample(new float[] {ninf, Float.NaN, ninf, 0f}));
        int id = s.sample(new float[] {ninf, ninf, ninf, ninf});
        assertTrue(id >= 0 && id < 4);
        Sampler all = new Sampler(plain(1f), 4);
        for (int i = 0; i < 100; i++) {
            int t = all.sample(new float[] {ninf, 0f, Float.NaN, 0f});
            assertTrue(t == 1 || t == 3, "drew " + t);
        }
    }

    @Test
    void keysOrderByLogitThenLowerId() {
        assertTrue(Sampler.key(1f, 5) > Sampler.key(0.5f, 1));
        assertTrue(Sampler.key(-0.5f, 5) > Sampler.key(-1f, 1));
        assertTrue(Sampler.key(0f, 1) > Sampler.key(0f, 2));
        assertTrue(Sampler.key(0f, 0) > Sampler.key(-0f, 0));
        assertTrue(Sampler.key(Float.NaN, 0) == Sampler.key(Float.NEGATIVE_INFINITY, 0));
        assertEquals(31999, Sampler.keyId(Sampler.key(3f, 31999)));
        assertEquals(0, Sampler.keyId(Sampler.key(-3f, 0)));
    }

    @Test
    void sampleAllocatesNothing() {
        var threads = ManagementFactory.getThreadMXBean();
        if (!(threads instanceof com.sun.management.ThreadMXBean mx) || !mx.isThreadAllocatedMemorySupported()) {
            return;
        }
        float[] l = randomLogits(VOCAB, 8);
        TokenRing ring = new TokenRing(64);
        for (int i = 0; i < 64; i++) {
            ring.add(i * 31);
        }
        Sampler[] samplers = {
            new Sampler(SamplingParams.defaults(1).withRepeatPenalty(1.1f), VOCAB),
            new Sampler(plain(1f).withMinP(0.05f), VOCAB),
            new Sampler(plain(1f).withTopP(0.9f), VOCAB),
            new Sampler(plain(1f), VOCAB),
            new Sampler(SamplingParams.greedy(), VOCAB),
        };
        for (Sampler s : samplers) {
            for (int i = 0; i < 200; i++) {
                s.sample(l, ring); // warm up
            }
            // Best of three rounds: the first reading on a thread can include one-off JVM allocations.
            long tid = Thread.currentThread().threadId();
            long allocated = Long.MAX_VALUE;
            for (int round = 0; round < 3; round++) {
                long before = mx.getThreadAllocatedBytes(tid);
                for (int i = 0; i < 200; i++) {
                    s.sample(l, ring);
                }
                allocated = Math.min(allocated, mx.getThreadAllocatedBytes(tid) - before);
            }
            assertTrue(allocated < 4096, s.params() + " allocated " + allocated + " bytes in 200 calls");
        }
    }
}
