package dev.lopper.engine.bench;

import dev.lopper.engine.generate.Session;
import dev.lopper.engine.model.LlamaModel;
import dev.lopper.quant.MatMul;
import dev.lopper.quant.ThreadPool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Times prompt processing and generation the way llama-bench does, so that the two tools' numbers compare:
 * <ul>
 *   <li>{@code pp<P>}: P tokens (BOS, then random ids) in one {@link Session#append(int[])} from an empty cache;</li>
 *   <li>{@code tg<N>}: N single-token {@link Session#append(int)} steps from an empty cache, the first one BOS and
 *       the rest random ids (so N tokens are decoded, as llama-bench's {@code tg} counts them);</li>
 *   <li>each test first runs untimed to warm up (JIT, page cache) until two consecutive warm-up runs agree within
 *       {@value #WARMUP_AGREEMENT_PERCENT}% (at most {@value #MAX_WARMUPS} runs or {@value #MAX_WARMUP_SECONDS} s:
 *       on a tiny model the first runs are dominated by the JIT), then {@code repetitions} timed runs; a result
 *       holds every sample and gives tokens/s as mean ± sample standard deviation over the samples.</li>
 * </ul>
 * Tests run for each thread count, prompt tests before generation tests, in the order given. The context of a test
 * is exactly its tokens (llama-bench's {@code n_ctx = n_prompt + n_gen}).
 */
public final class BenchRunner {
    /** Warm-up ends when two consecutive runs differ by at most this much (of the slower one). */
    static final int WARMUP_AGREEMENT_PERCENT = 5;
    /** Warm-up runs at most. */
    static final int MAX_WARMUPS = 10;
    /** Warm-up ends after this long, agreed or not. */
    static final int MAX_WARMUP_SECONDS = 30;

    private BenchRunner() {
    }

    /**
     * What to run.
     *
     * @param prompts     prompt lengths; 0 entries are skipped
     * @param gens        generation lengths; 0 entries are skipped
     * @param threads     thread counts, each at least 1
     * @param repetitions timed runs per test, at least 1
     * @param seed        seed of the random token ids
     */
    public record Config(List<Integer> prompts, List<Integer> gens, List<Integer> threads, int repetitions,
                         long seed) {
        public Config {
            prompts = List.copyOf(prompts);
            gens = List.copyOf(gens);
            threads = List.copyOf(threads);
            for (int p : prompts) {
                if (p < 0) {
                    throw new IllegalArgumentException("-p must not be negative, got " + p);
                }
            }
            for (int n : gens) {
                if (n < 0) {
                    throw new IllegalArgumentException("-n must not be negative, got " + n);
                }
            }
            if (threads.isEmpty()) {
                throw new IllegalArgumentException("no thread count given");
            }
            for (int t : threads) {
                if (t < 1) {
                    throw new IllegalArgumentException("-t must be at least 1, got " + t);
                }
            }
            if (repetitions < 1) {
                throw new IllegalArgumentException("-r must be at least 1, got " + repetitions);
            }
            if (prompts.stream().allMatch(p -> p == 0) && gens.stream().allMatch(n -> n == 0)) {
                throw new IllegalArgumentException("nothing to run: every -p and -n is 0");
            }
        }
    }

    /** Hears about a run as it goes. */
    public interface Listener {
        /** Before each run of a test; {@code repetition} is 0 for the warm-up, then 1.. */
        default void running(String test, int threads, int repetition, int repetitions) {
        }

        /** After the last repetition of a test. */
        void finished(BenchResult result);
    }

    /** Runs every test on {@code model} and returns the results in order (also given to the listener). */
    public static List<BenchResult> run(LlamaModel model, Config config, Listener listener) {
        Objects.requireNonNull(listener, "listener");
        List<BenchResult> out = new ArrayList<>();
        for (int threads : config.threads()) {
            try (ThreadPool pool = new ThreadPool(threads)) {
                for (int p : config.prompts()) {
                    if (p > 0) {
                        BenchResult r = test(model, pool, p, 0, config, listener);
                        out.add(r);
                        listener.finished(r);
                    }
                }
                for (int n : config.gens()) {
                    if (n > 0) {
                        BenchResult r = test(model, pool, 0, n, config, listener);
                        out.add(r);
                        listener.finished(r);
                    }
                }
            }
        }
        return out;
    }

    private static BenchResult test(LlamaModel model, ThreadPool pool, int nPrompt, int nGen, Config config,
                                    Listener listener) {
        int count = nPrompt + nGen;
        int[] tokens = tokens(model, count, config.seed() + 31L * count + (nPrompt > 0 ? 0 : 17));
        String name = nPrompt > 0 ? "pp" + nPrompt : "tg" + nGen;
        Session session = new Session(model, count, pool);
        Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        long warmupStart = System.nanoTime();
        long previous = -1;
        for (int w = 0; w < MAX_WARMUPS; w++) {
            listener.running(name, pool.size(), 0, config.repetitions());
            long ns = once(session, tokens, nPrompt > 0);
            if (previous > 0 && agree(previous, ns)
                    || System.nanoTime() - warmupStart > MAX_WARMUP_SECONDS * 1_000_000_000L) {
                break;
            }
            previous = ns;
        }
        long[] samples = new long[config.repetitions()];
        for (int rep = 1; rep <= config.repetitions(); rep++) {
            listener.running(name, pool.size(), rep, config.repetitions());
            samples[rep - 1] = once(session, tokens, nPrompt > 0);
        }
        return new BenchResult(pool.size(), nPrompt, nGen, samples, start);
    }

    /** Whether two warm-up times differ by at most {@value #WARMUP_AGREEMENT_PERCENT}% of the slower. */
    static boolean agree(long a, long b) {
        return Math.abs(a - b) * 100 <= WARMUP_AGREEMENT_PERCENT * Math.max(a, b);
    }

    /** One run from an empty cache: the tokens as one batch (prompt) or one at a time (generation); nanoseconds. */
    private static long once(Session session, int[] tokens, boolean batch) {
        session.truncate(0);
        long t0 = System.nanoTime();
        if (batch) {
            session.append(tokens);
        } else {
            for (int token : tokens) {
                session.append(token);
            }
        }
        return System.nanoTime() - t0;
    }

    /** BOS (when the vocabulary has one) followed by seeded random ids. */
    static int[] tokens(LlamaModel model, int n, long seed) {
        int vocab = model.config().vocabSize();
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = rnd.nextInt(vocab);
        }
        int bos = model.tokenizer().bos();
        if (n > 0 && bos >= 0 && bos < vocab) {
            ids[0] = bos;
        }
        return ids;
    }

    /** The vector width the matrix kernels were chosen for (256 or 512; see {@code MatMul.kernelBits}). */
    public static int vectorBits() {
        return MatMul.kernelBits();
    }

    /** The backend column: {@code Java Vector API 512-bit}. */
    public static String backend() {
        return "Java Vector API " + vectorBits() + "-bit";
    }

    /** The CPU's model name from /proc/cpuinfo, or the architecture when there is none. */
    public static String cpuInfo() {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (Files.isReadable(cpuinfo)) {
            try (var lines = Files.lines(cpuinfo)) {
                var name = lines.filter(l -> l.startsWith("model name")).findFirst();
                if (name.isPresent()) {
                    String l = name.get();
                    return l.substring(l.indexOf(':') + 1).trim();
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                // fall through
            }
        }
        return System.getProperty("os.arch", "unknown");
    }
}
