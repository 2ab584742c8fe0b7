package dev.lopper.quant;

import static dev.lopper.quant.LittleEndian.f16;
import static dev.lopper.quant.LittleEndian.putF16;
import static dev.lopper.quant.LittleEndian.u8;

/**
 * The 12-byte {@code scales[K_SCALE_SIZE]} field of Q4_K and Q5_K: eight 6-bit scales and eight 6-bit mins,
 * one pair per 32-weight sub-block j ({@code get_scale_min_k4} in ggml-quants.c):
 * <pre>
 * j &lt; 4:  scale = q[j] &amp; 63                              min = q[j+4] &amp; 63
 * j ≥ 4:  scale = (q[j+4] &amp; 0xF) | (q[j-4] &gt;&gt; 6) &lt;&lt; 4      min = (q[j+4] &gt;&gt; 4) | (q[j] &gt;&gt; 6) &lt;&lt; 4
 * </pre>
 */
final class KScales {

    private KScales() {
    }

    /** Scale of sub-block j, from the 12 bytes at {@code b[q..]}. */
    static int scale(byte[] b, int q, int j) {
        return j < 4
                ? u8(b, q + j) & 63
                : (u8(b, q + j + 4) & 0xF) | ((u8(b, q + j - 4) >>> 6) << 4);
    }

    /** Min of sub-block j, from the 12 bytes at {@code b[q..]}. */
    static int min(byte[] b, int q, int j) {
        return j < 4
                ? u8(b, q + j + 4) & 63
                : (u8(b, q + j + 4) >>> 4) | ((u8(b, q + j) >>> 6) << 4);
    }

    /** Packs 6-bit {@code ls[j]} and {@code lm[j]} (j = 0..7) into the 12 bytes at {@code b[q..]}. */
    static void pack(int[] ls, int[] lm, byte[] b, int q) {
        for (int j = 0; j < 4; j++) {
            b[q + j] = (byte) (ls[j] | (ls[j + 4] >>> 4) << 6);
            b[q + j + 4] = (byte) (lm[j] | (lm[j + 4] >>> 4) << 6);
            b[q + j + 8] = (byte) ((ls[j + 4] & 0xF) | (lm[j + 4] & 0xF) << 4);
        }
    }

    /**
     * The d, dmin and scales fields of a Q4_K/Q5_K block (bytes 0..15, same layout in both), as
     * {@code quantize_row_q4_K_ref}: {@code make_qkx2_quants} on each 32-weight sub-block, scales and mins
     * quantized to 6 bits against their maxima; then the levels {@code L[0..255] ∈ [0, nmax]} re-derived against
     * the stored (rounded) values.
     */
    static void quantizeSuperBlock(float[] x, int xo, int nmax, float rmin, int nstep, int[] L, byte[] b) {
        float[] weights = new float[32];
        float[] mins = new float[8];
        float[] scales = new float[8];
        int[] laux = new int[32];
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < 8; j++) {
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) {
                sumX2 += x[xo + 32 * j + l] * x[xo + 32 * j + l];
            }
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) {
                weights[l] = avX + Math.abs(x[xo + 32 * j + l]);
            }
            scales[j] = QuantMath.makeQkx2Quants(32, nmax, x, xo + 32 * j, weights, L, 32 * j, mins, j, laux,
                    rmin, 0.1f, nstep, false);
            maxScale = Math.max(maxScale, scales[j]);
            maxMin = Math.max(maxMin, mins[j]);
        }
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        int[] ls = new int[8];
        int[] lm = new int[8];
        for (int j = 0; j < 8; j++) {
            ls[j] = Math.min(63, QuantMath.nearestInt(invScale * scales[j]));
            lm[j] = Math.min(63, QuantMath.nearestInt(invMin * mins[j]));
        }
        putF16(b, 0, maxScale / 63f);
        putF16(b, 2, maxMin / 63f);
        pack(ls, lm, b, 4);
        float d = f16(b, 0);
        float dmin = f16(b, 2);
        for (int j = 0; j < 8; j++) {
            float dl = d * ls[j];
            if (dl == 0) {
                continue;
            }
            float ml = dmin * lm[j];
            for (int l = 0; l < 32; l++) {
                L[32 * j + l] = QuantMath.clamp(QuantMath.nearestInt((x[xo + 32 * j + l] + ml) / dl), 0, nmax);
            }
        }
    }
}
