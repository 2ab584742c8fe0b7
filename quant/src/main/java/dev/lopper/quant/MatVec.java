package dev.lopper.quant;

/**
 * Matrix × vector, {@code out[r] = Σ_c W[r][c] · x[c]}: a convenience over {@link MatMul} for one-off calls (it
 * allocates a small {@link Activations} and a {@code MatMul} each call). Loops should keep a {@code MatMul} and an
 * {@code Activations} instead.
 */
public final class MatVec {

    private MatVec() {
    }

    public static void multiply(WeightMatrix w, float[] x, float[] out, ThreadPool pool) {
        new MatMul(pool, w.cols()).multiply(w, new Activations(w.cols(), 1).set(x, w.cols(), 1), out);
    }
}
