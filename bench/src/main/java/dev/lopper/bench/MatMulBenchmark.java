package dev.lopper.bench;

import dev.lopper.gguf.GgmlType;
import dev.lopper.quant.Activations;
import dev.lopper.quant.MatMul;
import dev.lopper.quant.ThreadPool;
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
 * Prompt processing's hot path: a 5504 × 2048 matrix (Sheared-LLaMA-1.3B's ffn gate/up) times a batch of 64
 * vectors, on mapped weights: 2 · 5504 · 2048 · 64 = 1.443 GFLOP per call, so GFLOP/s = 1442.8 / (ms/op).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class MatMulBenchmark {
    static final int ROWS = 5504;
    static final int COLS = 2048;
    static final int BATCH = 64;

    @Param({"Q4_0", "Q8_0", "Q4_K", "Q6_K", "F16"})
    public String type;

    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private ThreadPool pool;
    private MatMul matmul;
    private WeightMatrix w;
    private Activations in;
    private float[] out;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        pool = new ThreadPool(threads);
        matmul = new MatMul(pool, COLS);
        w = BenchMatrices.mapped(GgmlType.valueOf(type), ROWS, COLS, 0, arena)[0];
        in = new Activations(COLS, BATCH).set(BenchMatrices.gaussian(COLS * BATCH, 3), COLS, BATCH);
        out = new float[ROWS * BATCH];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    @Benchmark
    public float[] batch64() {
        matmul.multiply(w, in, out);
        return out;
    }
}
