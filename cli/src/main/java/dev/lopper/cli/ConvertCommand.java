package dev.lopper.cli;

import dev.lopper.convert.ConversionReport;
import dev.lopper.convert.ConvertListener;
import dev.lopper.convert.HfConverter;
import dev.lopper.convert.OutType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code lopper convert}: a Hugging Face LLaMA folder (fp16/bf16/f32 or GPTQ) to a GGUF file. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert a Hugging Face LLaMA folder (safetensors or PyTorch .bin, single or sharded; fp16, "
                + "bf16, f32 or GPTQ 4-bit) into a GGUF file that Lopper and llama.cpp load.",
                "Example: lopper convert ./llama-13b-hf-35q_4bit-128g_WVU -o llama-13b-gptq.gguf"})
public final class ConvertCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "HF_DIR", description = "The Hugging Face model folder (config.json, weights, tokenizer).")
    Path input;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT.gguf", required = true, description = "The GGUF file to write.")
    Path output;

    @Option(names = "--outtype", paramLabel = "TYPE", defaultValue = "auto",
            description = "Type of the matrices: auto, f32, f16, bf16, q8_0, q4_0, q4_1 (default: ${DEFAULT-VALUE}). "
                    + "auto keeps the checkpoint's float type and maps GPTQ tensors exactly onto Q4_0/Q4_1 "
                    + "(act-order ones onto Q8_0).")
    OutType outType;

    @Option(names = {"-f", "--force"}, description = "Replace OUT.gguf if it exists.")
    boolean force;

    @Option(names = {"-v", "--verbose"}, description = "List every tensor with its type and largest error.")
    boolean verbose;

    @Mixin
    DebugOption debug;

    @Override
    public Integer call() throws Exception {
        if (Files.exists(output) && !force) {
            throw new IllegalArgumentException(output + " already exists; use --force to replace it");
        }
        ConversionReport r = HfConverter.convert(input, output, outType, progress());
        for (String note : r.notes()) {
            Terminal.notice("note: " + note);
        }
        PrintStream out = Terminal.out();
        if (verbose) {
            r.tensors().forEach(t -> out.println("  " + t));
        }
        out.println(r.summary());
        out.flush();
        return 0;
    }

    /** A bar with tensors and bytes on stderr, rewritten in place, when a person is watching; nothing otherwise. */
    private static ConvertListener progress() {
        if (!Terminal.stdoutIsTerminal()) {
            return ConvertListener.NONE;
        }
        return (name, done, total, bytesDone, bytesTotal) -> {
            int width = 30;
            int filled = (int) (width * bytesDone / Math.max(1, bytesTotal));
            String bar = "#".repeat(filled) + "-".repeat(width - filled);
            System.err.print(done == total ? "\r\033[K" : String.format(Locale.ROOT,
                    "\rlopper: converting [%s] %3d%% %d/%d tensors, %s/%s \033[K", bar, 100 * bytesDone
                            / Math.max(1, bytesTotal), done, total, Sizes.bytes(bytesDone), Sizes.bytes(bytesTotal)));
            System.err.flush();
        };
    }
}
