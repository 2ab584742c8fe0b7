package dev.lopper.quant;

/**
 * Matrix × vectors: {@code out[b·rows + r] = Σ_c W[r][c] · x[b·cols + c]} for every row r and input vector b.
 *
 * <p>One input vector (decode) goes to {@link MatVec}: the type's {@link RowKernel}, chosen for the vector width
 * ({@link #kernelBits}); the quantized types dot int8 blocks of the activations (made once per
 * {@link Activations}, whichever matrices read them). Several vectors (prompt processing) go to
 * {@link PrefillTiles}: dequantized tiles times the whole batch in float.
 *
 * <p>Weights on the Java heap (tests, in-memory models) take the codec's exact float {@link BlockCodec#dot}
 * instead of the kernels, so that the kernels' segment accesses only ever see native segments (a second segment
 * class at those sites slows them down several times). One instance per thread pool user; not thread-safe; a
 * multiply allocates nothing once the activations' transposed form has grown to the largest batch.
 */
public final class MatMul {
    /** Matrices one grouped multiply takes at most. */
    public static final int MAX_GROUP = 4;

    private final ThreadPool pool;
    private final int maxCols;
    private final MatVec vectors;
    private final PrefillTiles tiles;
    private final RowKernel[] groupKernels = new RowKernel[MAX_GROUP];
    private Activations own;

    /** @param maxCols the longest row any matrix multiplied here has */
    public MatMul(ThreadPool pool, int maxCols) {
        this.pool = pool;
        this.maxCols = maxCols;
        this.vectors = new MatVec(pool);
        this.tiles = new PrefillTiles(pool.size(), maxCols);
    }

    /**
     * The vector width, in bits, the one-vector kernels are chosen for: the JVM's preferred width (512 with
     * AVX-512, 256 otherwise or under {@code -XX:MaxVectorSize=32}), or {@code -Dlopper.vectorBits}.
     */
    public static int kernelBits() {
        return RowKernel.BITS;
    }

    /** The pool the multiplies run on. */
    public ThreadPool pool() {
        return pool;
    }

    /**
     * Multiplies {@code batch} vectors {@code x[b·cols ..]}. Prepares an internal {@link Activations} on each call;
     * when several matrices read one input, prepare an {@code Activations} once and use
     * {@link #multiply(WeightMatrix, Activations, float[])}.
     */
    public void multiply(WeightMatrix w, float[] x, int batch, float[] out) {
        if (own == null || own.capacity() < (long) w.cols() * batch) {
            own = new Activations(Math.max(w.cols(), maxCols), batch);
        }
        multiply(w, own.set(x, w.cols(), batch), out);
    }

    /** {@code out[b·rows + r] = W[r] · a[b]} for every row and every vector of {@code a} (a.cols() == w.cols()). */
    public void multiply(WeightMatrix w, Activations a, float[] out) {
        int rows = w.rows();
        int batch = a.batch();
        if (a.cols() != w.cols()) {
            throw new IllegalArgumentException("tensor '" + w.name() + "' has rows of " + w.cols()
                    + " but the input has " + a.cols() + " values");
        }
        if ((long) rows * batch > out.length) {
            throw new IllegalArgumentException("tensor '" + w.name() + "': " + batch + " x " + rows
                    + " outputs do not fit an array of " + out.length);
        }
        if (batch == 1) {
            vectors.run(w, kernelFor(w), a, out);
        } else {
            tiles.run(pool, w, a, out);
        }
    }

    /**
     * {@code outs[i] = ws[i] · a} for matrices that read the same input (Wq, Wk, Wv; Wgate, Wup). With one input
     * vector and kernels for all of them, their rows go to the threads as one range, so the group costs one
     * hand-out and one wait instead of one per matrix (decode issues seven multiplies per block); otherwise the
     * matrices are multiplied one by one. At most {@value #MAX_GROUP} matrices.
     */
    public void multiply(WeightMatrix[] ws, Activations a, float[][] outs) {
        if (ws.length != outs.length || ws.length > MAX_GROUP) {
            throw new IllegalArgumentException(ws.length + " matrices, " + outs.length + " outputs; at most "
                    + MAX_GROUP);
        }
        boolean fused = a.batch() == 1;
        for (int i = 0; i < ws.length && fused; i++) {
            RowKernel k = kernelFor(ws[i]);
            fused = k != null && ws[i].cols() == a.cols() && ws[i].rows() <= outs[i].length;
            groupKernels[i] = k;
        }
        if (!fused) {
            for (int i = 0; i < ws.length; i++) {
                multiply(ws[i], a, outs[i]);
            }
            return;
        }
        vectors.run(ws, outs, groupKernels, a);
    }

    /**
     * Whether a one-vector multiply with this matrix rounds the activations to int8 blocks (its type has an int8
     * kernel and its weights are a native segment); otherwise it computes with the float activations.
     */
    public static boolean quantizesActivations(WeightMatrix w) {
        RowKernel k = kernelFor(w);
        return k != null && k.int8();
    }

    /**
     * The vector kernel for this matrix at the kernels' width ({@link #kernelBits}), or null where the exact codec
     * path runs instead.
     */
    static RowKernel kernelFor(WeightMatrix w) {
        if (w.layout() == WeightMatrix.Layout.ROWS32) { // only made where the kernels run (WeightLoader)
            boolean wide = RowKernel.BITS >= 512;
            return w.type() == dev.lopper.gguf.GgmlType.Q4_0
                    ? wide ? Q4_0Rows32Kernel512.INSTANCE : Q4_0Rows32Kernel256.INSTANCE
                    : wide ? Q8_0Rows32Kernel512.INSTANCE : Q8_0Rows32Kernel256.INSTANCE;
        }
        if (!RowKernel.ENABLED || !w.data().isNative() || !(w.codec() instanceof RowKernel narrow)) {
            return null;
        }
        RowKernel k = RowKernel.BITS >= 512 ? wide(w.codec().type(), narrow) : narrow;
        return k.int8() && w.cols() % Activations.QK != 0 ? null : k;
    }

    /** The 512-bit kernel of a type where one exists, else its 256-bit one. */
    private static RowKernel wide(dev.lopper.gguf.GgmlType type, RowKernel narrow) {
        return switch (type) {
            case Q4_0 -> Q4_0Kernel512.INSTANCE;
            case Q4_1 -> Q4_1Kernel512.INSTANCE;
            case Q6_K -> Q6_KKernel512.INSTANCE;
            case Q4_K -> Q4_KKernel512.INSTANCE;
            default -> narrow;
        };
    }

    /** The vectorized row dequantizer for this matrix (native segments only, as the kernels), or null. */
    static RowDequantizer dequantizerFor(WeightMatrix w) {
        return RowKernel.ENABLED && w.data().isNative() && w.codec() instanceof RowDequantizer d ? d : null;
    }
}
