package dev.lopper.quant;

/**
 * Matrix × vector: {@code out[r] = Σ_c W[r][c] · x[c]} for every row, rows split across the pool in contiguous
 * chunks so that each thread streams its own part of the weights once.
 */
public final class MatVec {
    private static final int ROW_GRAIN = 16;

    private MatVec() {
    }

    public static void multiply(WeightMatrix w, float[] x, float[] out, ThreadPool pool) {
        BlockCodec codec = w.codec();
        long rowBytes = w.rowBytes();
        int cols = w.cols();
        pool.parallelFor(w.rows(), ROW_GRAIN, (start, end, worker) -> {
            for (int r = start; r < end; r++) {
                out[r] = codec.dot(w.data(), r * rowBytes, x, 0, cols);
            }
        });
    }
}
