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
 * One decode step ({@link Session#append(int)}) of a synthesized model with the Sheared-LLaMA-1.3B layer shapes
 * (4 blocks by default, plus the 32000 × 2048 embedding and classifier), always at the same position so that every
 * invocation costs the same: the time of a token is about {@code (blocks · block + classifier)}; with 24 blocks it
 * would be what {@code lopper bench -n} measures on the full model.
 *
 * <pre>java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar DecodeStep -p type=Q4_0,Q8_0</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class DecodeStepBenchmark {
    /** File type of the synthesized model (llama-quantize's mix: Q4_0 has a Q6_K classifier). */
    @Param({"Q4_0"})
    public String type;

    /** Transformer blocks of the Sheared-LLaMA-1.3B shape. */
    @Param({"4"})
    public int layers;

    /** Worker threads; 0 means the physical cores. */
    @Param({"0"})
    public int threads;

    /** Tokens in the cache before the timed step. */
    @Param({"16"})
    public int position;

    private SynthesizedModel synth;
    private ThreadPool pool;
    private Session session;
    private int token;

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
        token = 450;
    }

    @Benchmark
    public float[] decodeStep() {
        session.truncate(position);
        return session.append(token);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        synth.close();
    }
}
