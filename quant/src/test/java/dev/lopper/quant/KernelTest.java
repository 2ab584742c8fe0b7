package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import jdk.incubator.vector.FloatVector;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The matrix kernels against the exact reference, Σ dequantize(w)·x in double, for every type, on native segments
 * (what the kernels run on), at odd segment offsets, for row counts that split unevenly over 1 and 2 threads.
 *
 * <p>Bounds. A kernel with int8 activations computes Σ w·x̂ where x̂ = scale·round(x/scale) per 32 values, so
 * (1) against x̂ it must agree to float rounding: |got − Σ w·x̂| ≤ 1e-5·Σ|w·x̂|, which checks that the integer
 * arithmetic is exact (no 16-bit overflow, no lost lane); and (2) against x it may differ by the rounding of the
 * activations, at most Σ|w|·scale/2 (each |x − x̂| ≤ scale/2), plus the same float slack. Float-activation
 * kernels and the batched path must meet (1) with x̂ = x.
 */
class KernelTest {

    private static final GgmlType[] TYPES = QuantTestData.FIXTURE_TYPES;
    /** Byte offsets of the half-precision scale fields of each block (random blocks need finite scales). */
    private static final Map<GgmlType, int[]> HALVES = Map.ofEntries(
            Map.entry(GgmlType.Q4_0, new int[]{0}), Map.entry(GgmlType.Q4_1, new int[]{0, 2}),
            Map.entry(GgmlType.Q5_0, new int[]{0}), Map.entry(GgmlType.Q5_1, new int[]{0, 2}),
            Map.entry(GgmlType.Q8_0, new int[]{0}), Map.entry(GgmlType.Q2_K, new int[]{80, 82}),
            Map.entry(GgmlType.Q3_K, new int[]{108}), Map.entry(GgmlType.Q4_K, new int[]{0, 2}),
            Map.entry(GgmlType.Q5_K, new int[]{0, 2}), Map.entry(GgmlType.Q6_K, new int[]{208}),
            Map.entry(GgmlType.IQ4_NL, new int[]{0}), Map.entry(GgmlType.IQ4_XS, new int[]{0}));

    /**
     * Whether the kernels run at a forced width the host's vectors lack ({@code -Dlopper.vectorBits=512} without
     * AVX-512): the Vector API's Java fallback, about 100 times slower, so the tests keep to their smaller inputs.
     */
    private static final boolean EMULATED = RowKernel.BITS > FloatVector.SPECIES_PREFERRED.vectorBitSize();

    /** The given sizes, or only the first {@code keep} of them when the width is emulated. */
    private static int[] sizes(int keep, int... all) {
        return EMULATED ? java.util.Arrays.copyOf(all, keep) : all;
    }

    private static ThreadPool one;
    private static ThreadPool two;

    @BeforeAll
    static void pools() {
        one = new ThreadPool(1);
        two = new ThreadPool(2);
    }

    @AfterAll
    static void close() {
        one.close();
        two.close();
    }

    static GgmlType[] types() {
        return TYPES;
    }

    @Test
    void everyTypeHasAKernel() {
        for (GgmlType t : TYPES) {
            assertTrue(BlockCodec.of(t) instanceof RowKernel, t + " has no row kernel");
        }
    }

    /** The kernel of each type is the one for the width the kernels run at ({@link RowKernel#BITS}). */
    @Test
    void kernelsFollowTheVectorWidth() {
        Map<GgmlType, Class<?>> wide = Map.of(GgmlType.Q4_0, Q4_0Kernel512.class, GgmlType.Q4_1, Q4_1Kernel512.class,
                GgmlType.Q6_K, Q6_KKernel512.class, GgmlType.Q4_K, Q4_KKernel512.class,
                GgmlType.Q8_0, Q8_0Codec.class);
        for (GgmlType t : wide.keySet()) {
            MemorySegment seg = Arena.ofAuto().allocate(t.byteSize(256));
            RowKernel k = MatMul.kernelFor(new WeightMatrix("w", t, seg, 1, 256));
            assertEquals(RowKernel.BITS == 512 ? wide.get(t) : BlockCodec.of(t).getClass(), k.getClass(),
                    t + " at " + RowKernel.BITS + " bits");
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    void quantizedGaussianRows(GgmlType type) {
        for (int cols : sizes(2, 256, 512, 2304)) {
            for (int rows : sizes(2, 1, 3, 37)) {
                float[] w = QuantTestData.gaussian(rows * 1000L + cols, rows * cols, 0.5f);
                byte[] bytes = BlockQuantizer.forType(type).orElseThrow().quantize(w);
                check(type, bytes, rows, cols, 5 + rows);
            }
        }
        if (type.blockSize() == 32) {
            for (int cols : new int[]{32, 96}) { // rows shorter than a K block
                float[] w = QuantTestData.gaussian(cols, 9 * cols, 1f);
                check(type, BlockQuantizer.forType(type).orElseThrow().quantize(w), 9, cols, 3);
            }
        }
    }

    /**
     * Rows longer than {@link Activations#WIDE}: Q8_0 reads its activations as bytes there. An odd number of 32-weight
     * blocks (6176 = 193 × 32) runs the odd-block tail as well; K types take 6400 = 25 × 256.
     */
    @ParameterizedTest
    @MethodSource("types")
    void wideRows(GgmlType type) {
        int cols = type.blockSize() == 256 ? 6400 : 6176;
        assertTrue(cols > Activations.WIDE);
        int rows = 5;
        float[] w = QuantTestData.gaussian(11, rows * cols, 0.5f);
        check(type, BlockQuantizer.forType(type).orElseThrow().quantize(w), rows, cols, 12);
    }

    /** Random bytes with finite scales: extreme quants (−128 in Q8_0, every table index, every scale bit pattern). */
    @ParameterizedTest
    @MethodSource("types")
    void randomBlocks(GgmlType type) {
        int[] halves = HALVES.get(type);
        if (halves == null) {
            return; // the float types have no block structure to randomise
        }
        int cols = 1024;
        int rows = 21;
        Random r = new Random(type.ordinal());
        byte[] bytes = new byte[Math.toIntExact(rows * type.byteSize(cols))];
        r.nextBytes(bytes);
        for (int b = 0; b < bytes.length / type.typeSize(); b++) {
            for (int h : halves) {
                short half = Float.floatToFloat16((float) (r.nextDouble() * 0.02 - 0.005));
                bytes[b * type.typeSize() + h] = (byte) half;
                bytes[b * type.typeSize() + h + 1] = (byte) (half >> 8);
            }
        }
        check(type, bytes, rows, cols, 77);
    }

    /** Activations at the int8 extremes: every block's largest value lands on ±127 exactly. */
    @ParameterizedTest
    @MethodSource("types")
    void saturatedActivations(GgmlType type) {
        int cols = 512;
        int rows = 5;
        float[] w = QuantTestData.gaussian(3, rows * cols, 2f);
        byte[] bytes = BlockQuantizer.forType(type).orElseThrow().quantize(w);
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) {
            x[i] = (i % 3 == 0 ? -1 : 1) * 1000f;
        }
        checkWith(type, bytes, rows, cols, x);
    }

    /**
     * Many rows in one kernel call, and two runs of rows side by side ({@link RowKernel#dotRowPairs}), against the
     * same rows one call each, and nothing written outside the call's outputs: Q4_K runs one loop over the
     * super-blocks of all rows of a call and must close each row exactly; Q4_0 and Q8_0 read paired rows in one
     * loop. The column counts include Q8_0's byte-activation form (6400 > {@link Activations#WIDE}).
     */
    @ParameterizedTest
    @MethodSource("types")
    void rowsInOneCallMatchRowsOneByOne(GgmlType type) {
        for (int cols : sizes(1, 512, 2048, 6400)) {
            for (int rows : sizes(2, 2, 17, 40, 61)) {
                float[] w = QuantTestData.gaussian(rows * 31L + cols, rows * cols, 0.5f);
                byte[] bytes = BlockQuantizer.forType(type).orElseThrow().quantize(w);
                long rowBytes = type.byteSize(cols);
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment seg = arena.allocate(bytes.length + 5L).asSlice(5);
                    MemorySegment.copy(MemorySegment.ofArray(bytes), 0, seg, 0, bytes.length);
                    RowKernel kernel = MatMul.kernelFor(new WeightMatrix("w", type, seg, rows, cols));
                    float[] x = QuantTestData.gaussian(cols + rows, cols, 1f);
                    Activations a = new Activations(cols, 1).set(x, cols, 1);
                    a.quantize();
                    float[] tmp = new float[RowKernel.SCRATCH];
                    float[] all = new float[rows + 2];
                    kernel.dotRows(seg, 0, rowBytes, rows, a, 0, all, 1, tmp);
                    int h = rows / 2; // rows [0, h) beside rows [rows - h, rows): the middle row of an odd count twice
                    float[] paired = new float[2 * h];
                    kernel.dotRowPairs(seg, 0, (rows - h) * rowBytes, rowBytes, h, a, 0, paired, 0, h, tmp);
                    float[] deq = new float[cols];
                    float[] single = new float[1];
                    for (int r = 0; r < rows; r++) {
                        kernel.dotRows(seg, r * rowBytes, rowBytes, 1, a, 0, single, 0, tmp);
                        BlockCodec.of(type).dequantize(seg, r * rowBytes, deq, 0, cols);
                        double magnitude = 0;
                        for (int c = 0; c < cols; c++) {
                            magnitude += Math.abs(deq[c] * x[c]);
                        }
                        assertTrue(Math.abs(all[1 + r] - single[0]) <= 1e-5 * magnitude + 1e-30,
                                type + " " + rows + "x" + cols + " row " + r + ": " + all[1 + r] + " in one call, "
                                        + single[0] + " alone");
                        int p = r < h ? r : r >= rows - h ? r - (rows - 2 * h) : -1;
                        if (p >= 0) {
                            assertTrue(Math.abs(paired[p] - single[0]) <= 1e-5 * magnitude + 1e-30,
                                    type + " " + rows + "x" + cols + " row " + r + ": " + paired[p] + " in a pair, "
                                            + single[0] + " alone");
                        }
                    }
                    assertEquals(0f, all[0], type + ": wrote before its output range");
                    assertEquals(0f, all[rows + 1], type + ": wrote past its output range");
                }
            }
        }
    }

    private static void check(GgmlType type, byte[] bytes, int rows, int cols, long seed) {
        checkWith(type, bytes, rows, cols, QuantTestData.gaussian(seed, cols, 1f));
    }

    private static void checkWith(GgmlType type, byte[] bytes, int rows, int cols, float[] x) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment seg = arena.allocate(bytes.length + 3L).asSlice(3); // unaligned on purpose
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, seg, 0, bytes.length);
            WeightMatrix m = new WeightMatrix("w", type, seg, rows, cols);
            RowKernel kernel = MatMul.kernelFor(m);
            assertNotNull(kernel, type + " has no kernel for a native segment");
            float[] deq = new float[rows * cols];
            BlockCodec.of(type).dequantize(seg, 0, deq, 0, deq.length);
            Activations a = new Activations(cols, 1).set(x, cols, 1);
            float[] xhat = x;
            if (kernel.int8()) {
                a.quantize();
                xhat = new float[cols];
                for (int i = 0; i < cols; i++) {
                    xhat[i] = a.scale[i / 32] * a.q[i];
                }
            }
            for (ThreadPool pool : new ThreadPool[]{one, two}) {
                float[] out = new float[rows];
                new MatMul(pool, cols).multiply(m, a, out);
                for (int r = 0; r < rows; r++) {
                    double exactHat = 0;
                    double magnitudeHat = 0;
                    double exact = 0;
                    double rounding = 0;
                    double magnitude = 0;
                    for (int c = 0; c < cols; c++) {
                        double wv = deq[r * cols + c];
                        exactHat += wv * xhat[c];
                        magnitudeHat += Math.abs(wv * xhat[c]);
                        exact += wv * x[c];
                        magnitude += Math.abs(wv * x[c]);
                        rounding += kernel.int8() ? Math.abs(wv) * a.scale[c / 32] / 2 : 0;
                    }
                    String where = type + " " + rows + "x" + cols + " row " + r + " threads " + pool.size();
                    assertTrue(Math.abs(out[r] - exactHat) <= 1e-5 * magnitudeHat + 1e-30,
                            where + ": " + out[r] + " vs " + exactHat + " (int8-rounded input)");
                    assertTrue(Math.abs(out[r] - exact) <= rounding + 1e-5 * magnitude + 1e-30,
                            where + ": " + out[r] + " vs " + exact + ", rounding bound " + rounding);
                }
            }
        }
    }

    /**
     * The batched path (prompt processing) stays exact: float activations against dequantized tiles. 13 rows are
     * two full tiles and a single row; batches of 5, 37 and 70 are a partial block, full ones plus a partial one, and
     * at 512 bits (batch blocks of 32, or 64 for batches above 32) one partial wide block and a full one plus a
     * partial one; one Activations serves all batches in turn, so its transposed form must follow the input.
     */
    @ParameterizedTest
    @MethodSource("types")
    void batchedMatchesExact(GgmlType type) {
        int cols = 512;
        int rows = 13;
        float[] w = QuantTestData.gaussian(7, rows * cols, 0.5f);
        byte[] bytes = BlockQuantizer.forType(type).orElseThrow().quantize(w);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment seg = arena.allocate(bytes.length + 1L).asSlice(1);
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, seg, 0, bytes.length);
            WeightMatrix m = new WeightMatrix("w", type, seg, rows, cols);
            float[] deq = new float[rows * cols];
            BlockCodec.of(type).dequantize(seg, 0, deq, 0, deq.length);
            for (ThreadPool pool : new ThreadPool[]{one, two}) {
                MatMul matmul = new MatMul(pool, cols);
                Activations in = new Activations(cols, 70);
                for (int batch : new int[]{37, 5, 70, 37}) {
                    float[] x = QuantTestData.gaussian(8 + batch, batch * cols, 1f);
                    float[] out = new float[rows * batch];
                    matmul.multiply(m, in.set(x, cols, batch), out);
                    for (int b = 0; b < batch; b++) {
                        for (int r = 0; r < rows; r++) {
                            double exact = 0;
                            double magnitude = 0;
                            for (int c = 0; c < cols; c++) {
                                exact += (double) deq[r * cols + c] * x[b * cols + c];
                                magnitude += Math.abs((double) deq[r * cols + c] * x[b * cols + c]);
                            }
                            assertTrue(Math.abs(out[b * rows + r] - exact) <= 1e-5 * magnitude,
                                    type + " batch " + b + "/" + batch + " row " + r + ": " + out[b * rows + r]
                                            + " vs " + exact);
                        }
                    }
                }
            }
        }
    }

    /**
     * A grouped multiply (Wq/Wk/Wv, Wgate/Wup) gives exactly what the matrices give one by one — mixed types,
     * thread chunks that straddle two matrices, one vector (fused) and a batch (one by one).
     */
    @Test
    void groupedMultiplyMatchesSingleMultiplies() {
        int cols = 512;
        GgmlType[] types = {GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q8_0};
        int[] rows = {7, 300, 41};
        try (Arena arena = Arena.ofShared()) {
            WeightMatrix[] ws = new WeightMatrix[types.length];
            for (int i = 0; i < types.length; i++) {
                float[] w = QuantTestData.gaussian(40 + i, rows[i] * cols, 0.5f);
                byte[] bytes = BlockQuantizer.forType(types[i]).orElseThrow().quantize(w);
                MemorySegment seg = arena.allocate(bytes.length);
                MemorySegment.copy(MemorySegment.ofArray(bytes), 0, seg, 0, bytes.length);
                ws[i] = new WeightMatrix("w" + i, types[i], seg, rows[i], cols);
            }
            for (ThreadPool pool : new ThreadPool[]{one, two}) {
                for (int batch : new int[]{1, 3}) {
                    float[] x = QuantTestData.gaussian(9 + batch, batch * cols, 1f);
                    MatMul matmul = new MatMul(pool, cols);
                    Activations in = new Activations(cols, batch);
                    float[][] grouped = new float[types.length][];
                    for (int i = 0; i < types.length; i++) {
                        grouped[i] = new float[batch * rows[i]];
                    }
                    matmul.multiply(ws, in.set(x, cols, batch), grouped);
                    for (int i = 0; i < types.length; i++) {
                        float[] single = new float[batch * rows[i]];
                        matmul.multiply(ws[i], in.set(x, cols, batch), single);
                        for (int j = 0; j < single.length; j++) {
                            assertEquals(single[j], grouped[i][j], 0f, types[i] + " batch " + batch + " output " + j
                                    + ", threads " + pool.size());
                        }
                    }
                }
            }
        }
    }

    /** Heap segments take the exact codec path: float activations, no int8 rounding. */
    @Test
    void heapWeightsUseTheExactPath() {
        int cols = 256;
        float[] w = QuantTestData.gaussian(1, 4 * cols, 1f);
        byte[] bytes = BlockQuantizer.forType(GgmlType.Q4_0).orElseThrow().quantize(w);
        WeightMatrix m = new WeightMatrix("w", GgmlType.Q4_0, MemorySegment.ofArray(bytes), 4, cols);
        assertEquals(null, MatMul.kernelFor(m));
        float[] x = QuantTestData.gaussian(2, cols, 1f);
        float[] out = new float[4];
        new MatMul(two, cols).multiply(m, new Activations(cols, 1).set(x, cols, 1), out);
        for (int r = 0; r < 4; r++) {
            assertEquals(BlockCodec.of(GgmlType.Q4_0).dot(m.data(), r * m.rowBytes(), x, 0, cols), out[r]);
        }
    }

    @Test
    void activationsQuantizeLikeGgml() {
        float[] x = QuantTestData.gaussian(5, 64, 3f);
        x[7] = 0;
        Activations a = new Activations(64, 1).set(x, 64, 1);
        a.quantize();
        for (int b = 0; b < 2; b++) {
            float amax = 0;
            for (int i = 0; i < 32; i++) {
                amax = Math.max(amax, Math.abs(x[32 * b + i]));
            }
            float d = amax / 127;
            assertEquals(d, a.scale[b]);
            int sum = 0;
            for (int i = 0; i < 32; i++) {
                int want = Math.round(Math.abs(x[32 * b + i]) / d) * (x[32 * b + i] < 0 ? -1 : 1);
                assertEquals(want, a.q[32 * b + i], 1, "value " + (32 * b + i));
                sum += a.q[32 * b + i];
            }
            assertEquals(d * sum, a.sum32[b], 1e-6 * Math.abs(d * sum) + 1e-6);
        }
    }

    /** The vectorized row dequantizers of the prompt tiles are bit for bit the codecs' exact dequantize. */
    @ParameterizedTest
    @MethodSource("types")
    void rowDequantizersAreBitExact(GgmlType type) {
        if (!(BlockCodec.of(type) instanceof RowDequantizer dq)) {
            return;
        }
        int cols = 1024;
        int rows = 6;
        Random r = new Random(type.ordinal() + 100);
        byte[] random = new byte[Math.toIntExact(rows * type.byteSize(cols))];
        r.nextBytes(random);
        for (int b = 0; b < random.length / type.typeSize(); b++) {
            for (int h : HALVES.get(type)) {
                short half = Float.floatToFloat16((float) (r.nextDouble() * 0.02 - 0.005));
                random[b * type.typeSize() + h] = (byte) half;
                random[b * type.typeSize() + h + 1] = (byte) (half >> 8);
            }
        }
        byte[] gaussian = BlockQuantizer.forType(type).orElseThrow()
                .quantize(QuantTestData.gaussian(9, rows * cols, 0.3f));
        for (byte[] bytes : new byte[][]{random, gaussian}) {
            try (Arena arena = Arena.ofShared()) {
                MemorySegment seg = arena.allocate(bytes.length + 5L).asSlice(5);
                MemorySegment.copy(MemorySegment.ofArray(bytes), 0, seg, 0, bytes.length);
                float[] want = new float[rows * cols];
                BlockCodec.of(type).dequantize(seg, 0, want, 0, want.length);
                float[] got = new float[rows * cols + 3];
                for (int row = 0; row < rows; row++) {
                    dq.dequantizeRow(seg, row * type.byteSize(cols), cols, got, 3 + row * cols);
                }
                for (int i = 0; i < want.length; i++) {
                    assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[3 + i]),
                            type + " weight " + i + ": " + got[3 + i] + " vs " + want[i]);
                }
            }
        }
    }

    /** The float types' kernels handle rows of any length (vector steps of 32, 16 and 8, then a scalar tail). */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(names = {"F32", "F16", "BF16"})
    void floatKernelsHandleEveryRowLength(GgmlType type) {
        for (int cols = 1; cols <= 70; cols++) {
            float[] w = QuantTestData.gaussian(cols, 3 * cols, 1f);
            check(type, BlockQuantizer.forType(type).orElseThrow().quantize(w), 3, cols, cols + 1000L);
        }
    }
}
