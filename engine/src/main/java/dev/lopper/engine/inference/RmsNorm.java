package dev.lopper.engine.inference;

/** RMSNorm: {@code out[i] = w[i] · x[i] / sqrt(mean(x²) + eps)}. {@code out} may be {@code x}. */
final class RmsNorm {
    private RmsNorm() {
    }

    static void apply(float[] x, float[] weight, float eps, float[] out) {
        int n = weight.length;
        double ss = 0;
        for (int i = 0; i < n; i++) {
            ss += (double) x[i] * x[i];
        }
        float scale = (float) (1.0 / Math.sqrt(ss / n + eps));
        for (int i = 0; i < n; i++) {
            out[i] = weight[i] * (x[i] * scale);
        }
    }
}
