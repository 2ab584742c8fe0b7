package dev.lopper.cli;

import dev.lopper.convert.quantize.FileType;
import dev.lopper.convert.synth.ModelSynthesizer;
import dev.lopper.convert.synth.SynthPreset;
import dev.lopper.gguf.GgmlType;
import dev.lopper.gguf.TypeMix;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code lopper synth}: a random-weight LLaMA model with a real geometry, for benchmarks. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = {"Write a LLaMA GGUF model with random weights in the shape of a real (pruned) model, in the "
                + "tensor types llama-quantize would choose, with the 32000-token LLaMA vocabulary. For benchmarks: "
                + "llama.cpp loads the same file.",
                "Example: lopper synth --preset sheared-llama-1.3b --type q4_k_m -o /tmp/sheared-1.3b-q4_k_m.gguf"})
public final class SynthCommand implements Callable<Integer> {
    @Option(names = "--preset", paramLabel = "NAME",
            description = "The geometry: sheared-llama-1.3b, sheared-llama-2.7b, st-vicuna-5.5b, st-llama-5.5b, "
                    + "st-vicuna-10.5b (tiny for tests). --list shows them.")
    String preset;

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "Q4_0",
            description = "File type (llama-quantize's mixes): F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, "
                    + "Q2_K, Q3_K_S, Q3_K_M, Q3_K_L, Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M, Q6_K (default: "
                    + "${DEFAULT-VALUE}).")
    String type;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "The GGUF file to write.")
    Path output;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
            description = "Seed of the random weights; the same seed writes the same file (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--layers", paramLabel = "N",
            description = "Keep only the first N blocks of the preset (same layer shapes, a smaller file).")
    Integer layers;

    @Option(names = {"-f", "--force"}, description = "Overwrite FILE if it exists.")
    boolean force;

    @Option(names = "--list", description = "List the presets and file types, then exit.")
    boolean list;

    @Mixin
    DebugOption debug;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintStream out = Terminal.out();
        if (list) {
            printList(out);
            return 0;
        }
        if (preset == null) {
            throw new IllegalArgumentException("--preset is required; valid presets: " + SynthPreset.names());
        }
        SynthPreset p = SynthPreset.named(preset);
        FileType t = FileType.parse(type);
        if (layers != null) {
            try {
                p = p.withLayers(layers);
            } catch (IllegalArgumentException e) {
                throw OptionChecks.bad(spec, e.getMessage());
            }
        }
        if (output == null) {
            throw new IllegalArgumentException("-o FILE is required (for example -o /tmp/" + p.name() + "-"
                    + t.name().toLowerCase(Locale.ROOT) + ".gguf)");
        }
        if (Files.exists(output) && !force) {
            throw new IllegalArgumentException(output + " already exists; use --force to overwrite it");
        }
        Path dir = output.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("directory " + dir + " does not exist");
        }
        ModelSynthesizer.Result r = ModelSynthesizer.write(output, p, t, seed, progress());
        out.printf(Locale.ROOT, "wrote %s: %s %s, %s parameters, %s, %s in %.1f s%n", output, p.name(), t.name(),
                Sizes.count(r.parameters()), Sizes.bytes(r.fileBytes()), r.typeMix(), r.nanos() / 1e9);
        out.flush();
        return 0;
    }

    /** A percentage on stderr, rewritten in place, when a person is watching; nothing otherwise. */
    private static ModelSynthesizer.Progress progress() {
        if (!Terminal.stdoutIsTerminal()) {
            return null;
        }
        int[] last = {-1};
        return (done, total, bytesDone, bytesTotal) -> {
            int pct = (int) (100 * bytesDone / Math.max(1, bytesTotal));
            if (pct != last[0] || done == total) {
                last[0] = pct;
                System.err.print(done == total ? "\r\033[K" : "\rlopper: synthesizing " + pct + "% (" + done + "/"
                        + total + " tensors)");
                System.err.flush();
            }
        };
    }

    private static void printList(PrintStream out) {
        out.println("presets:");
        out.printf("  %-20s %6s %6s %6s %6s %7s %6s  %s%n", "name", "dim", "layers", "heads", "kv", "ffn", "params",
                "shape of");
        for (SynthPreset p : SynthPreset.all()) {
            out.printf("  %-20s %6d %6d %6d %6d %7d %6s  %s%n", p.name(), p.dim(), p.layers(), p.heads(),
                    p.kvHeads(), p.ffn(), Sizes.count(p.parameters()), p.description());
        }
        out.println();
        out.println("types (tensor mix for sheared-llama-1.3b):");
        for (FileType t : FileType.values()) {
            Map<GgmlType, Integer> counts = new EnumMap<>(GgmlType.class);
            long bytes = 0;
            for (ModelSynthesizer.Tensor x : ModelSynthesizer.plan(SynthPreset.SHEARED_LLAMA_1_3B, t)) {
                counts.merge(x.type(), 1, Integer::sum);
                bytes += x.byteSize();
            }
            out.printf("  %-7s %-14s %10s  %s%n", t.name(), t.displayName(), Sizes.bytes(bytes),
                    TypeMix.describe(counts));
        }
        out.flush();
    }
}
