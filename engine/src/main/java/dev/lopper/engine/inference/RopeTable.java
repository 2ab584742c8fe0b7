package dev.lopper.engine.inference;

/**
 * Rotary position embedding as llama.cpp's "normal" rope (GGUF arch llama): within each head, the pairs
 * {@code (x[2i], x[2i+1])} for {@code i < ropeDim/2} turn by {@code pos · scale · base^(-2i/ropeDim)}.
 * Angles are precomputed per position; the table grows with the context.
 */
public final class RopeTable {
    private final int half;
    private final float[] cos;
    private final float[] sin;

    public RopeTable(int contextLength, int ropeDim, float base, float scale) {
        this.half = ropeDim / 2;
        this.cos = new float[contextLength * half];
        this.sin = new float[contextLength * half];
        for (int pos = 0; pos < contextLength; pos++) {
            for (int i = 0; i < half; i++) {
                double theta = pos * scale * Math.pow(base, -2.0 * i / ropeDim);
                cos[pos * half + i] = (float) Math.cos(theta);
                sin[pos * half + i] = (float) Math.sin(theta);
            }
        }
    }

    /** Rotates {@code heads} heads of {@code headDim} values stored back to back in {@code x}, at {@code pos}. */
    public void apply(float[] x, int offset, int heads, int headDim, int pos) {
        int row = pos * half;
        for (int h = 0; h < heads; h++) {
            int base = offset + h * headDim;
            for (int i = 0; i < half; i++) {
                float c = cos[row + i];
                float s = sin[row + i];
                float x0 = x[base + 2 * i];
                float x1 = x[base + 2 * i + 1];
                x[base + 2 * i] = x0 * c - x1 * s;
                x[base + 2 * i + 1] = x0 * s + x1 * c;
            }
        }
    }
}
