package dev.lopper.cli;

import dev.lopper.engine.Model;
import dev.lopper.engine.eval.TextChunks;
import dev.lopper.prune.ImportanceChart;
import dev.lopper.prune.LayerImportance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;

/** {@code lopper layer-importance}: Shortened LLaMA's one-shot PPL criterion, as a table, a CSV and a chart. */
@Command(name = "layer-importance", mixinStandardHelpOptions = true,
        description = "Perplexity of the model with each block removed in turn (Shortened LLaMA's one-shot PPL"
                + " criterion), ranked least important first.")
public final class LayerImportanceCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    SkipLayersOption skipLayers;

    @Mixin
    RepackOption repack;

    @Mixin
    EvalTextOptions text;

    @Mixin
    ImportanceOptions importance;

    @Mixin
    ThreadOptions threads;

    @Mixin
    DebugOption debug;

    @Option(names = {"-o", "--output"}, paramLabel = "CSV", description = "Also write the ranked table as CSV.")
    Path csv;

    @Option(names = "--plot", paramLabel = "PNG", description = "Draw a bar chart of ΔPPL per block (PNG).")
    Path plot;

    @Override
    public Integer call() throws Exception {
        if (plot != null && !plot.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".png")) {
            throw new IllegalArgumentException("--plot writes PNG; name the file *.png");
        }
        int batch = text.batch();
        try (Model llama = ModelLoading.load(model.path(), ModelLoading.options(threads, null, skipLayers, repack));
             ProgressDisplay progress = ProgressDisplay.on("layer-importance")) {
            LayerImportance.candidates(llama.config().runningBlocks(), importance.keepFirst, importance.keepLast);
            TextChunks chunks = text.chunks(llama.tokenizer(), llama.config().contextLength());
            LayerImportance result = LayerImportance.score(llama, chunks, batch, importance.keepFirst,
                    importance.keepLast, progress);
            progress.close();
            PrintStream out = Terminal.out();
            out.print(result.table());
            out.flush();
            if (csv != null) {
                writeAtomically(csv, result.csv());
            }
            if (plot != null) {
                ImportanceChart.writePng(result, plot, 900, 500);
            }
        }
        return 0;
    }

    private static void writeAtomically(Path target, String content) throws java.io.IOException {
        Path abs = target.toAbsolutePath();
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
