package dev.lopper.engine.inference;

/**
 * RMSNorm of each row: {@code out[i] = w[i] · x[i] / sqrt(mean(x²) + eps)}, for {@code rows} rows of
 * {@code w.length} values. {@code out} may be {@code x}.
 */
final class RmsNorm {
    private RmsNorm() {
    }

    static void apply(float[] x, float[] weight, float eps, float[] out, int rows) {
        int n = weight.length;
        for (int r = 0; r < rows; r++) {
            int o = r * n;
            double ss = 0;
            for (int i = 0; i < n; i++) {
                ss += (double) x[o + i] * x[o + i];
            }
            float scale = (float) (1.0 / Math.sqrt(ss / n + eps));
            for (int i = 0; i < n; i++) {
                out[o + i] = weight[i] * (x[o + i] * scale);
            }
        }
    }
}
