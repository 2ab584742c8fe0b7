package dev.lopper.quant;

import java.util.Arrays;

/**
 * One input vector (decode): the type's {@link RowKernel} over the thread pool, for one matrix or a group that
 * reads the same input, their rows laid end to end as one range (one hand-out and one wait for the group). Each
 * thread streams a contiguous chunk of rows (or, for kernels that {@linkplain RowKernel#pairsRows pair rows}, two
 * chunks half the matrix apart side by side) straight from the mapped segment. Matrices without a kernel (heap
 * weights, {@code -Dlopper.noKernels}) take the codec's exact float {@link BlockCodec#dot} per row instead.
 */
final class MatVec {
    /** Weights below which a chunk is not worth handing to another thread. */
    private static final int MIN_WEIGHTS_PER_CHUNK = 1 << 16;

    private final ThreadPool pool;
    private final KernelJob kernels;
    private final ExactJob exact = new ExactJob();
    private final WeightMatrix[] single = new WeightMatrix[1];
    private final float[][] singleOut = new float[1][];

    MatVec(ThreadPool pool) {
        this.pool = pool;
        this.kernels = new KernelJob(new float[pool.size()][RowKernel.SCRATCH]);
    }

    /** {@code out = w · a} (one vector), with the kernel {@code k}, or the exact path when k is null. */
    void run(WeightMatrix w, RowKernel k, Activations a, float[] out) {
        if (k == null) {
            exact.set(w, a, out);
            pool.parallelFor(w.rows(), grain(w.cols()), exact);
            return;
        }
        single[0] = w;
        singleOut[0] = out;
        RowKernel[] ks = kernels.kernels;
        ks[0] = k;
        run(single, singleOut, ks, a);
    }

    /** {@code outs[i] = ws[i] · a} with the kernels {@code ks[i]} (none null), as one range over the pool. */
    void run(WeightMatrix[] ws, float[][] outs, RowKernel[] ks, Activations a) {
        int total = 0;
        int unitRows = 1;
        for (int i = 0; i < ws.length; i++) {
            if (ks[i].int8()) {
                a.quantize();
            }
            total += units(ws[i], ks[i]);
            unitRows = Math.max(unitRows, ks[i].rowsPerUnit());
        }
        if (ks != kernels.kernels) {
            System.arraycopy(ks, 0, kernels.kernels, 0, ws.length);
        }
        kernels.set(ws, outs, a);
        pool.parallelFor(total, Math.max(1, grain(a.cols()) / unitRows), kernels);
    }

    /** Rows per chunk at least, for rows of {@code cols} weights. */
    private static int grain(int cols) {
        return Math.max(16, MIN_WEIGHTS_PER_CHUNK / cols);
    }

    /**
     * Work units of a matrix: its rows, or its groups of {@linkplain RowKernel#rowsPerUnit rows}, or for a kernel
     * that {@linkplain RowKernel#pairsRows pairs rows} unit u is rows u and u + rows/2 (u < rows/2) and, for an odd
     * row count, the last unit is the last row alone.
     */
    private static int units(WeightMatrix m, RowKernel k) {
        return k.pairsRows() ? (m.rows() + 1) / 2 : m.rows() / k.rowsPerUnit();
    }

    /** A kernel multiply's operands: the work units of the group's matrices, laid end to end ({@link #units}). */
    private static final class KernelJob implements ThreadPool.RangeTask {
        private final float[][] scratch;
        final RowKernel[] kernels = new RowKernel[MatMul.MAX_GROUP];
        private WeightMatrix[] group;
        private float[][] outs;
        private Activations a;

        KernelJob(float[][] scratch) {
            this.scratch = scratch;
        }

        void set(WeightMatrix[] group, float[][] outs, Activations a) {
            this.group = group;
            this.outs = outs;
            this.a = a;
            Arrays.fill(kernels, group.length, kernels.length, null);
        }

        @Override
        public void run(int start, int end, int worker) {
            int base = 0;
            for (int i = 0; i < group.length && start < end; i++) {
                WeightMatrix m = group[i];
                RowKernel k = kernels[i];
                int units = units(m, k);
                if (start < base + units) {
                    int s = start - base;
                    int e = Math.min(end - base, units);
                    long rb = m.rowBytes();
                    if (k.pairsRows()) {
                        int h = m.rows() / 2;
                        int pairsEnd = Math.min(e, h);
                        if (s < pairsEnd) {
                            k.dotRowPairs(m.data(), s * rb, (s + h) * rb, rb, pairsEnd - s, a, 0, outs[i], s, s + h,
                                    scratch[worker]);
                        }
                        if (e > h) { // the last row of an odd count
                            k.dotRows(m.data(), 2L * h * rb, rb, 1, a, 0, outs[i], 2 * h, scratch[worker]);
                        }
                    } else {
                        int u = k.rowsPerUnit();
                        k.dotRows(m.data(), (long) s * u * rb, rb, (e - s) * u, a, 0, outs[i], s * u,
                                scratch[worker]);
                    }
                    start = base + e;
                }
                base += units;
            }
        }
    }

    /** The exact path's operands: the codec's float dot per row. */
    private static final class ExactJob implements ThreadPool.RangeTask {
        private WeightMatrix w;
        private Activations a;
        private float[] out;

        void set(WeightMatrix w, Activations a, float[] out) {
            this.w = w;
            this.a = a;
            this.out = out;
        }

        @Override
        public void run(int start, int end, int worker) {
            BlockCodec codec = w.codec();
            long rowBytes = w.rowBytes();
            int cols = w.cols();
            for (int r = start; r < end; r++) {
                out[r] = codec.dot(w.data(), r * rowBytes, a.x, 0, cols);
            }
        }
    }
}
