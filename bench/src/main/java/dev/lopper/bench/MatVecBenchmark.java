package dev.lopper.bench;

import dev.lopper.gguf.GgmlType;
import dev.lopper.quant.Activations;
import dev.lopper.quant.BlockCodec;
import dev.lopper.quant.MatMul;
import dev.lopper.quant.ThreadPool;
import dev.lopper.quant.WeightLoader;
import dev.lopper.quant.WeightMatrix;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;

/**
 * Decode's hot path: one 4096 × 14336 matrix (the shape of `test-backend-ops perf -o MUL_MAT`) times one vector, per type and thread count, on mapped weights.
 * Successive calls cycle through enough copies of the matrix (≥ 160 MB) that the weights come from memory, not
 * the last-level cache. Weight bytes per call: {@code 4096 · type.byteSize(14336)}; GB/s = bytes / (ns/op).
 *
 * <p>{@code kernel}: {@link MatMul} with one vector (the vector kernels; int8 activations for the quantized types,
 * quantized once per call as in decode). {@code exactDot}: the codecs' exact float {@link BlockCodec#dot} per row
 * over the same pool (the path before the kernels, kept as the reference).
 *
 * <p>{@code repack}: false (the default) reads the matrices in the file's layout; {@code -p repack=true} makes them
 * as a model loads them, with a {@link WeightLoader}, which repacks Q4_0 and Q8_0 for 32 rows at a time (other
 * types are the same either way; {@code exactDot} needs the file's layout).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class MatVecBenchmark {
    static final int ROWS = 4096;
    static final int COLS = 14336;

    @Param({"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS",
            "F16", "BF16", "F32"})
    public String type;

    @Param({"1", "2"})
    public int threads;

    @Param({"false"})
    public boolean repack;

    private Arena arena;
    private WeightLoader loader;
    private ThreadPool pool;
    private MatMul matmul;
    private WeightMatrix[] matrices;
    private Activations in;
    private float[] x;
    private float[] out;
    private int next;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        pool = new ThreadPool(threads);
        matmul = new MatMul(pool, COLS);
        matrices = BenchMatrices.mapped(GgmlType.valueOf(type), ROWS, COLS, 160L << 20, arena,
                repack ? l -> loader = l : null);
        x = BenchMatrices.gaussian(COLS, 7);
        in = new Activations(COLS, 1);
        out = new float[ROWS];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        if (loader != null) {
            loader.close();
        }
        arena.close();
    }

    private WeightMatrix nextMatrix() {
        WeightMatrix w = matrices[next];
        next = (next + 1) % matrices.length;
        return w;
    }

    @Benchmark
    public float[] kernel() {
        matmul.multiply(nextMatrix(), in.set(x, COLS, 1), out);
        return out;
    }

    /** The exact path reads the file's layout: run it with {@code -p repack=false} for Q4_0 and Q8_0. */
    @Benchmark
    public float[] exactDot() {
        WeightMatrix w = nextMatrix();
        if (w.layout() != WeightMatrix.Layout.GGML) {
            throw new IllegalStateException("exactDot reads the file's layout: run it with -p repack=false");
        }
        BlockCodec codec = w.codec();
        long rowBytes = w.rowBytes();
        pool.parallelFor(ROWS, 16, (start, end, worker) -> {
            for (int r = start; r < end; r++) {
                out[r] = codec.dot(w.data(), r * rowBytes, x, 0, COLS);
            }
        });
        return out;
    }
}
