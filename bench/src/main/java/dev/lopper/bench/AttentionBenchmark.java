package dev.lopper.bench;

import dev.lopper.engine.generate.Session;
import dev.lopper.quant.ThreadPool;
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

import java.util.concurrent.TimeUnit;

/**
 * The cost of attention as the context grows: one decode step at cache position 16 and at 1024 on the same model
 * (Sheared-LLaMA-1.3B shapes, 2 blocks, 16 heads of 128, Q8_0). The matrix work is the same at both positions, so the
 * difference between the two scores is the attention over the extra 1008 positions in 2 blocks (Lopper's
 * {@code Attention} is package-private, so it is measured through {@link Session}). Per block and 1000 positions:
 * {@code (score(1024) - score(16)) / layers / 1.008}.
 *
 * <pre>java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar Attention</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class AttentionBenchmark {
    /** Tokens in the cache before the timed step. */
    @Param({"16", "1024"})
    public int position;

    @Param({"2"})
    public int layers;

    /** Q8_0 keeps the classifier Q8_0 too (Q4_0 files get a Q6_K one): a smaller constant part, less noise. */
    @Param({"Q8_0"})
    public String type;

    /** Worker threads; 0 means the physical cores. */
    @Param({"0"})
    public int threads;

    private SynthesizedModel synth;
    private ThreadPool pool;
    private Session session;

    @Setup(Level.Trial)
    public void setUp() {
        synth = new SynthesizedModel(layers, type);
        pool = new ThreadPool(threads > 0 ? threads : ThreadPool.physicalCores());
        session = new Session(synth.model(), position + 1, pool);
        int[] prompt = new int[position];
        for (int i = 0; i < position; i++) {
            prompt[i] = 1 + (i * 7919) % 31999;
        }
        session.append(prompt);
    }

    @Benchmark
    public float[] decodeAtPosition() {
        session.truncate(position);
        return session.append(450);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        synth.close();
    }
}
