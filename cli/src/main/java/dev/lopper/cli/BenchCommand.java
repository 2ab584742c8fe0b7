package dev.lopper.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lopper.convert.synth.SynthSpec;
import dev.lopper.engine.bench.BenchResult;
import dev.lopper.engine.bench.BenchRunner;
import dev.lopper.engine.bench.ModelSummary;
import dev.lopper.engine.Lopper;
import dev.lopper.engine.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code lopper bench}: prompt-processing and generation speed, reported like llama-bench. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure prompt processing (pp: P tokens in one batch) and generation (tg: N tokens one at a "
                + "time) in tokens/s, like llama-bench: warm-up runs until two agree within 5% (at most 10 or 30 s), "
                + "then -r timed runs, mean ± standard deviation. -p, -n and -t take comma-separated lists; 0 "
                + "skips a test.",
                "Example: lopper bench -m model.gguf -t 1,2 -p 64 -n 32",
                "         lopper bench -m synth:sheared-llama-1.3b:q4_0 -p 64 -n 16",
                "         lopper bench -m model.gguf -t 1,2 -p 16,64,256 -n 0 --plot sweep.png"})
public final class BenchCommand implements Callable<Integer> {
    enum Format { md, json, jsonl }

    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = "GGUF file, Hugging Face folder (converted once into the cache), or synth:PRESET:TYPE for "
                    + "a synthetic model (synthesized once into ~/.cache/lopper/synth). Repeat for several models "
                    + "(default: the bundled demo model).")
    List<String> models = new ArrayList<>();

    @Option(names = {"-p", "--n-prompt"}, paramLabel = "P", split = ",", defaultValue = "512",
            description = "Prompt lengths (default: ${DEFAULT-VALUE}).")
    List<Integer> prompts;

    @Option(names = {"-n", "--n-gen"}, paramLabel = "N", split = ",", defaultValue = "128",
            description = "Generation lengths (default: ${DEFAULT-VALUE}).")
    List<Integer> gens;

    @Option(names = {"-t", "--threads"}, paramLabel = "T", split = ",",
            description = "Thread counts (default: the number of physical cores).")
    List<Integer> threads;

    @Option(names = {"-r", "--repetitions"}, paramLabel = "R", defaultValue = "3",
            description = "Timed runs per test, after the warm-up runs (default: ${DEFAULT-VALUE}).")
    int repetitions;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "md",
            description = "md (a table, row by row), json (an array of llama-bench's fields) or jsonl "
                    + "(default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
            description = "Seed of the random prompt and generation tokens (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--plot", paramLabel = "FILE",
            description = "Also draw the results as a chart of tokens/s over test length, one line per thread "
                    + "count and test kind: FILE.png or FILE.svg.")
    Path plot;

    @Spec
    CommandSpec spec;

    @Option(names = {"-v", "--verbose"}, description = "Report each run on stderr as it starts.")
    boolean verbose;

    @Mixin
    SkipLayersOption skipLayers;

    @Mixin
    RepackOption repack;

    @Mixin
    CacheOption cache;

    @Mixin
    DebugOption debug;

    @Override
    public Integer call() throws Exception {
        List<Integer> threadCounts = threads == null || threads.isEmpty()
                ? List.of(Lopper.physicalCores()) : threads;
        if (plot != null && !BenchChart.supported(plot)) {
            throw new ParameterException(spec.commandLine(), "--plot: " + plot + " is neither .png nor .svg");
        }
        for (int t : threadCounts) {
            ThreadOptions.checked(spec, "-t", t);
        }
        BenchRunner.Config config;
        try {
            config = new BenchRunner.Config(prompts, gens, threadCounts, repetitions, seed);
        } catch (IllegalArgumentException e) {
            throw OptionChecks.bad(spec, e.getMessage());
        }
        List<String> names = models.isEmpty() ? List.of(new ModelOptions().path().toString()) : models;
        // Resolve (and synthesize) every model first, so a typo fails before minutes of benchmarking.
        List<Path> paths = new ArrayList<>();
        for (String m : names) {
            paths.add(resolve(m));
        }
        PrintStream out = Terminal.out();
        String cpu = BenchRunner.cpuInfo();
        List<Map<String, Object>> rows = new ArrayList<>();
        boolean header = false;
        List<BenchChart.Run> charted = new ArrayList<>();
        for (Path path : paths) {
            // One thread for the model's own pool: the runner starts a pool per thread count it measures.
            try (Model model = ModelLoading.load(path, Lopper.Options.defaults().withThreads(1)
                    .withSkipBlocks(skipLayers.blocks()).withRepack(repack.allowed()))) {
                ModelSummary s = ModelSummary.of(model.llama());
                if (format == Format.md && !header) {
                    printHeader(out, s);
                    header = true;
                }
                List<BenchResult> results = BenchRunner.run(model.llama(), config, new BenchRunner.Listener() {
                    @Override
                    public void running(String test, int t, int rep, int reps) {
                        if (verbose) {
                            Terminal.notice(s.fileName() + " " + test + " t=" + t + ": "
                                    + (rep == 0 ? "warm-up" : "run " + rep + "/" + reps));
                        }
                    }

                    @Override
                    public void finished(BenchResult r) {
                        switch (format) {
                            case md -> printRow(out, s, r);
                            case jsonl -> out.println(json(false, List.of(fields(s, r, cpu))));
                            case json -> rows.add(fields(s, r, cpu));
                        }
                        out.flush();
                    }
                });
                charted.add(new BenchChart.Run(s.name(), results));
            }
        }
        if (plot != null) {
            BenchChart.write(plot, "lopper bench (" + BenchRunner.backend() + ", " + cpu + ")", charted);
        }
        if (format == Format.json) {
            out.println(json(true, rows));
            out.flush();
        }
        return 0;
    }

    private Path resolve(String model) throws Exception {
        if (SynthSpec.isSpec(model)) {
            return SynthSpec.parse(model).ensure(SynthSpec.defaultCacheDir(), Terminal::notice);
        }
        return ModelPaths.resolve(Path.of(model), cache.dir());
    }

    private static final String ROW = "| %-30s | %10s | %10s | %-24s | %-24s | %7s | %-8s | %16s |%n";

    private static void printHeader(PrintStream out, ModelSummary s) {
        out.printf(ROW, "model", "size", "params", "types", "backend", "threads", "test", "t/s");
        int[] widths = {30, 10, 10, 24, 24, 7, 8, 16};
        boolean[] right = {false, true, true, false, false, true, false, true};
        StringBuilder sep = new StringBuilder("|");
        for (int i = 0; i < widths.length; i++) {
            sep.append(' ').append("-".repeat(widths[i] - (right[i] ? 1 : 0))).append(right[i] ? ":" : "")
                    .append(" |");
        }
        out.println(sep);
    }

    private static void printRow(PrintStream out, ModelSummary s, BenchResult r) {
        out.printf(ROW, s.name(), size(s.sizeBytes()), params(s.parameters()), s.typeMix(), BenchRunner.backend(),
                r.threads(), r.testName(), String.format(Locale.ROOT, "%.2f ± %.2f", r.avgTs(), r.stddevTs()));
    }

    static String size(long bytes) {
        double gib = bytes / (double) (1L << 30);
        return gib >= 1 ? String.format(Locale.ROOT, "%.2f GiB", gib)
                : String.format(Locale.ROOT, "%.2f MiB", bytes / (double) (1L << 20));
    }

    static String params(long n) {
        return n >= 1_000_000_000L ? String.format(Locale.ROOT, "%.2f B", n / 1e9)
                : String.format(Locale.ROOT, "%.2f M", n / 1e6);
    }

    /** One result as llama-bench's JSON object (its field names and meanings), plus a few of Lopper's own. */
    static Map<String, Object> fields(ModelSummary s, BenchResult r, String cpu) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("build_commit", "dev");
        m.put("build_number", 0);
        m.put("cpu_info", cpu);
        m.put("gpu_info", "");
        m.put("backends", "Java Vector API");
        m.put("model_filename", s.path().toString());
        m.put("model_type", s.modelType());
        m.put("model_size", s.sizeBytes());
        m.put("model_n_params", s.parameters());
        m.put("n_threads", r.threads());
        m.put("type_k", "f32");
        m.put("type_v", "f32");
        m.put("n_gpu_layers", 0);
        m.put("use_mmap", true);
        m.put("n_prompt", r.nPrompt());
        m.put("n_gen", r.nGen());
        m.put("n_depth", 0);
        m.put("test_time", DateTimeFormatter.ISO_INSTANT.format(r.testTime()));
        m.put("avg_ns", r.avgNs());
        m.put("stddev_ns", r.stddevNs());
        m.put("avg_ts", round(r.avgTs()));
        m.put("stddev_ts", round(r.stddevTs()));
        m.put("samples_ns", r.samplesNs());
        double[] ts = r.samplesTs();
        for (int i = 0; i < ts.length; i++) {
            ts[i] = round(ts[i]);
        }
        m.put("samples_ts", ts);
        // Lopper's additions
        m.put("model_name", s.name());
        m.put("model_types", s.typeMix());
        m.put("vector_bits", BenchRunner.vectorBits());
        m.put("repacked_matrices", s.repacked());
        m.put("jvm", Runtime.version().toString());
        return m;
    }

    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }

    private static String json(boolean pretty, Object value) {
        try {
            ObjectMapper mapper = new ObjectMapper();
            if (pretty) {
                mapper.enable(SerializationFeature.INDENT_OUTPUT);
                return mapper.writeValueAsString(value);
            }
            // jsonl: one object per line
            Object single = value instanceof List<?> l && l.size() == 1 ? l.getFirst() : value;
            return mapper.writeValueAsString(single);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot format results as JSON: " + e.getMessage(), e);
        }
    }
}
