package dev.lopper.quant;

/**
 * Matrix × vector: {@code out[r] = Σ_c W[r][c] · x[c]} for every row, rows split across the pool in contiguous
 * chunks so that each thread streams its own part of the weights once.
 */
public final class MatVec {
    /** Weights below which a chunk is not worth handing to another thread. */
    private static final int MIN_WEIGHTS_PER_CHUNK = 1 << 16;

    private MatVec() {
    }

    public static void multiply(WeightMatrix w, float[] x, float[] out, ThreadPool pool) {
        BlockCodec codec = w.codec();
        long rowBytes = w.rowBytes();
        int cols = w.cols();
        int grain = Math.max(16, MIN_WEIGHTS_PER_CHUNK / cols);
        pool.parallelFor(w.rows(), grain, (start, end, worker) -> {
            for (int r = start; r < end; r++) {
                out[r] = codec.dot(w.data(), r * rowBytes, x, 0, cols);
            }
        });
    }
}
