package dev.lopper.cli;

import dev.lopper.convert.quantize.FileType;
import dev.lopper.convert.quantize.GgufQuantizer;
import dev.lopper.gguf.GgmlType;
import dev.lopper.quant.ThreadPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code lopper quantize}: a GGUF model rewritten in one of llama-quantize's file types. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = {"Rewrite a GGUF model in one of llama-quantize's file types, with the per-tensor types "
                + "llama-quantize chooses (no importance matrix). Metadata, per-layer arrays and gaps in the block "
                + "numbering are kept; the input is never modified.",
                "Example: lopper quantize sheared-f16.gguf sheared-q4_k_m.gguf Q4_K_M"})
public final class QuantizeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN.gguf", description = "The model to quantize (F32, F16 or BF16).")
    Path input;

    @Parameters(index = "1", paramLabel = "OUT.gguf", description = "The file to write.")
    Path output;

    @Parameters(index = "2", paramLabel = "TYPE",
            description = "Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K_S, Q3_K_M, Q3_K_L, Q4_K_S, Q4_K_M, Q5_K_S, "
                    + "Q5_K_M, Q6_K (or F32, F16, BF16).")
    String type;

    @Option(names = "--pure", description = "Every quantized tensor in TYPE's base type: no per-tensor rules.")
    boolean pure;

    @Option(names = "--output-tensor-type", paramLabel = "T",
            description = "The type of output.weight, e.g. Q8_0 or F16.")
    String outputTensorType;

    @Option(names = "--allow-requantize",
            description = "Quantize tensors that already are quantized (adds the error of both).")
    boolean allowRequantize;

    @Option(names = {"-f", "--force"}, description = "Overwrite OUT.gguf if it exists (never the input).")
    boolean force;

    @Mixin
    ThreadOptions threads;

    @Mixin
    DebugOption debug;

    @Override
    public Integer call() throws Exception {
        FileType fileType = FileType.parse(type);
        GgmlType outType = outputTensorType == null ? null : tensorType(outputTensorType);
        if (!Files.exists(input)) {
            throw new java.nio.file.NoSuchFileException(input.toString());
        }
        if (Files.exists(output) && Files.isSameFile(input, output)) {
            throw new IllegalArgumentException(output + " is the input file; quantize writes a new file and never "
                    + "overwrites its input");
        }
        if (Files.exists(output) && !force) {
            throw new IllegalArgumentException(output + " already exists; use --force to overwrite it");
        }
        Path dir = output.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("directory " + dir + " does not exist");
        }
        var options = new GgufQuantizer.Options(fileType, pure, outType, allowRequantize);
        ProgressBar bar = ProgressBar.onTerminal("quantizing");
        GgufQuantizer.Result r;
        try (ThreadPool pool = new ThreadPool(threads.count())) {
            r = GgufQuantizer.quantize(input, output, options, pool, bar == null ? null : bar::update);
        }
        PrintStream out = Terminal.out();
        out.printf(Locale.ROOT, "wrote %s: %s (%s), %s from %s, %s, %d tensors converted%s, in %.1f s%n", output,
                fileType.name(), fileType.displayName(), Sizes.bytes(r.outBytes()), Sizes.bytes(r.inBytes()),
                r.typeMix(), r.converted(), r.fallbacks() == 0 ? "" : " (" + r.fallbacks()
                        + " with a fallback type: rows not a multiple of the block)", r.nanos() / 1e9);
        out.flush();
        return 0;
    }

    /** A tensor type name such as {@code q8_0}. */
    static GgmlType tensorType(String name) {
        String key = name.trim().toUpperCase(Locale.ROOT);
        try {
            return GgmlType.valueOf(key);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown tensor type '" + name + "' for --output-tensor-type; "
                    + "for example Q8_0, Q6_K, Q4_K, F16, F32");
        }
    }
}
