package dev.lopper.cli;

import dev.lopper.engine.Model;
import dev.lopper.engine.eval.KlDivergence;
import dev.lopper.engine.eval.LogProbFile;
import dev.lopper.engine.eval.Perplexity;
import dev.lopper.engine.eval.PerplexityEstimate;
import dev.lopper.engine.eval.TextChunks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code lopper perplexity}: llama-perplexity's measure, and its KL-divergence comparison of two models. */
@Command(name = "perplexity", mixinStandardHelpOptions = true,
        description = {"Perplexity of a model on a text, by llama-perplexity's method: chunks of the context size,"
                + " each starting with BOS, scored on their second half.",
                "With --kl-divergence-base FILE the model's log-probabilities are saved; adding --kl-divergence"
                        + " compares this model with the saved ones instead (mean KL divergence, top-1 agreement)."})
public final class PerplexityCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    SkipLayersOption skipLayers;

    @Mixin
    RepackOption repack;

    @Mixin
    EvalTextOptions text;

    @Mixin
    ThreadOptions threads;

    @Mixin
    DebugOption debug;

    @Option(names = "--kl-divergence-base", paramLabel = "FILE",
            description = "Save the log-probabilities to FILE (Lopper's format, docs/cli.md); with --kl-divergence,"
                    + " read them from FILE.")
    Path klBase;

    @Option(names = "--kl-divergence",
            description = "Compare with the log-probabilities saved in --kl-divergence-base FILE (the text and"
                    + " chunks are taken from it; -f is not needed).")
    boolean klCompare;

    @Override
    public Integer call() throws Exception {
        if (klCompare && klBase == null) {
            throw new IllegalArgumentException("--kl-divergence needs --kl-divergence-base FILE");
        }
        int batch = text.batch();
        PrintStream out = Terminal.out();
        try (Model llama = ModelLoading.load(model.path(), ModelLoading.options(threads, null, skipLayers, repack));
             ProgressDisplay progress = ProgressDisplay.on("perplexity")) {
            Perplexity perplexity = new Perplexity(llama, batch);
            if (klCompare) {
                try (LogProbFile base = LogProbFile.open(klBase)) {
                    if (base.vocab() != llama.config().vocabSize()) {
                        throw new IllegalArgumentException(klBase + " holds rows of " + base.vocab()
                                + " logits but the model's vocabulary has " + llama.config().vocabSize());
                    }
                    KlDivergence kl = new KlDivergence(base);
                    perplexity.run(base.chunks(), progress, kl);
                    progress.close();
                    out.print(kl.result().report());
                }
            } else {
                TextChunks chunks = text.chunks(llama.tokenizer(), llama.config().contextLength());
                PerplexityEstimate e;
                if (klBase != null) {
                    try (LogProbFile.Writer w = new LogProbFile.Writer(klBase, chunks, llama.config().vocabSize())) {
                        e = perplexity.run(chunks, progress, w);
                        w.commit();
                    }
                } else {
                    e = perplexity.run(chunks, progress);
                }
                progress.close();
                out.println(e.finalLine());
            }
            out.flush();
        }
        return 0;
    }
}
