package dev.lopper.engine.inference;

/** SwiGLU: {@code gate[i] = silu(gate[i]) · up[i]}, with {@code silu(g) = g / (1 + e^-g)}. */
final class SwiGlu {
    private SwiGlu() {
    }

    static void apply(float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[i];
            gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }
}
