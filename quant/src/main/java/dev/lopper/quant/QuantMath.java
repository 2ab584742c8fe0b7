package dev.lopper.quant;

/**
 * The scalar helpers of ggml-quants.c that the reference quantizers share, ported as written there
 * ({@code nearest_int}, {@code make_qx_quants}, {@code make_q3_quants}, {@code make_qkx2_quants},
 * {@code best_index_int8}). Integer levels are passed in {@code int[]} arrays with an offset.
 */
final class QuantMath {

    /** ggml's GROUP_MAX_EPS: a group whose largest magnitude is below this is all zero. */
    static final float GROUP_MAX_EPS = 1e-15f;

    private QuantMath() {
    }

    /** Round half to even, as ggml's {@code nearest_int} (the 1.5·2^23 trick). */
    static int nearestInt(float f) {
        return (int) Math.rint(f);
    }

    /** C's {@code roundf}: half away from zero. */
    static int roundf(float f) {
        return (int) (f < 0 ? -Math.floor(-(double) f + 0.5) : Math.floor((double) f + 0.5));
    }

    /**
     * Symmetric levels {@code L[i] ∈ [0, 2·nmax)} (stored with +nmax) and the scale minimizing the
     * x²-weighted error ({@code make_qx_quants} with rmse_type 1 and no quant weights).
     */
    static float makeQxQuants(int n, int nmax, float[] x, int xo, int[] L, int lo) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) {
                L[lo + i] = 0;
            }
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; i++) {
            int l = clamp(nearestInt(iscale * x[xo + i]), -nmax, nmax - 1);
            L[lo + i] = l + nmax;
            float w = x[xo + i] * x[xo + i];
            sumlx += w * x[xo + i] * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; i++) {
                int l = clamp(nearestInt(iscale * x[xo + i]), -nmax, nmax - 1);
                float w = x[xo + i] * x[xo + i];
                sumlx += w * x[xo + i] * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    L[lo + i] = nmax + clamp(nearestInt(iscale * x[xo + i]), -nmax, nmax - 1);
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /** Symmetric levels for Q3_K with iterative refinement ({@code make_q3_quants}, do_rmse = true). */
    static float makeQ3Quants(int n, int nmax, float[] x, int xo, int[] L, int lo) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) {
                L[lo + i] = 0;
            }
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; i++) {
            int l = clamp(nearestInt(iscale * x[xo + i]), -nmax, nmax - 1);
            L[lo + i] = l;
            float w = x[xo + i] * x[xo + i];
            sumlx += w * x[xo + i] * l;
            suml2 += w * l * l;
        }
        for (int itry = 0; itry < 5; itry++) {
            int changed = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xo + i];
                float w = xi * xi;
                float slx = sumlx - w * xi * L[lo + i];
                if (slx > 0) {
                    float sl2 = suml2 - w * L[lo + i] * L[lo + i];
                    int newL = clamp(nearestInt(xi * sl2 / slx), -nmax, nmax - 1);
                    if (newL != L[lo + i]) {
                        slx += w * xi * newL;
                        sl2 += w * newL * newL;
                        if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                            L[lo + i] = newL;
                            sumlx = slx;
                            suml2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0) {
                break;
            }
        }
        for (int i = 0; i < n; i++) {
            L[lo + i] += nmax;
        }
        return sumlx / suml2;
    }

    /**
     * Asymmetric levels {@code L[i] ∈ [0, nmax]} with x ≈ scale·L − min: returns the scale and stores the
     * (non-negative) min in {@code mins[mi]} ({@code make_qkx2_quants}).
     */
    static float makeQkx2Quants(int n, int nmax, float[] x, int xo, float[] weights, int[] L, int lo,
                                float[] mins, int mi, int[] laux, float rmin, float rdelta, int nstep,
                                boolean useMad) {
        float min = x[xo];
        float max = x[xo];
        float sumW = weights[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            if (x[xo + i] < min) {
                min = x[xo + i];
            }
            if (x[xo + i] > max) {
                max = x[xo + i];
            }
            float w = weights[i];
            sumW += w;
            sumX += w * x[xo + i];
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            for (int i = 0; i < n; i++) {
                L[lo + i] = 0;
            }
            mins[mi] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestMad = 0;
        for (int i = 0; i < n; i++) {
            int l = clamp(nearestInt(iscale * (x[xo + i] - min)), 0, nmax);
            L[lo + i] = l;
            float diff = scale * l + min - x[xo + i];
            diff = useMad ? Math.abs(diff) : diff * diff;
            bestMad += weights[i] * diff;
        }
        if (nstep < 1) {
            mins[mi] = -min;
            return scale;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = clamp(nearestInt(iscale * (x[xo + i] - min)), 0, nmax);
                laux[i] = l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[xo + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float mad = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * laux[i] + thisMin - x[xo + i];
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    mad += weights[i] * diff;
                }
                if (mad < bestMad) {
                    System.arraycopy(laux, 0, L, lo, n);
                    bestMad = mad;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        mins[mi] = -min;
        return scale;
    }

    /** Index of the table value nearest to {@code x} in the ascending {@code values} ({@code best_index_int8}). */
    static int bestIndex(byte[] values, float x) {
        int n = values.length;
        if (x <= values[0]) {
            return 0;
        }
        if (x >= values[n - 1]) {
            return n - 1;
        }
        int ml = 0;
        int mu = n - 1;
        while (mu - ml > 1) {
            int mav = (ml + mu) / 2;
            if (x < values[mav]) {
                mu = mav;
            } else {
                ml = mav;
            }
        }
        return x - values[mu - 1] < values[mu] - x ? mu - 1 : mu;
    }

    static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
