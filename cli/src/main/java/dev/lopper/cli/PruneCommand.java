package dev.lopper.cli;

import dev.lopper.engine.Model;
import dev.lopper.engine.model.BlockRanges;
import dev.lopper.gguf.GgufFile;
import dev.lopper.prune.BlockPruner;
import dev.lopper.prune.LayerImportance;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/** {@code lopper prune}: writes a GGUF without some blocks, named or chosen by the one-shot PPL criterion. */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = {"Write a copy of a model without some of its blocks: renumbered, with block_count and every"
                + " per-layer array shortened, tensor data copied byte for byte.",
                "The removed blocks are recorded as lopper.prune.removed_blocks."})
public final class PruneCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Choice choice;

    static final class Choice {
        @Option(names = "--drop", paramLabel = "LIST", description = "Blocks to remove, e.g. 24-29,31.")
        String drop;

        @Option(names = "--auto", paramLabel = "N",
                description = "Remove the N least important blocks by layer-importance on -f TEXT.")
        Integer auto;
    }

    @Mixin
    EvalTextOptions text;

    @Mixin
    ImportanceOptions importance;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT.gguf", required = true, description = "The pruned model.")
    Path output;

    @Option(names = "--keep-gaps",
            description = "Keep the remaining blocks' numbers, block_count and full-length per-layer arrays (Lopper"
                    + " reads such files; llama.cpp refuses them).")
    boolean keepGaps;

    @Option(names = "--force", description = "Replace OUT.gguf if it exists.")
    boolean force;

    @Mixin
    ThreadOptions threads;

    @Mixin
    DebugOption debug;

    @Override
    public Integer call() throws Exception {
        Path input = model.path();
        if (Files.exists(output) && Files.exists(input) && Files.isSameFile(output, input)) {
            throw new IllegalArgumentException("-o names the input model " + input + "; write the pruned model"
                    + " to a new file");
        }
        if (Files.exists(output) && !force) {
            throw new IllegalArgumentException(output + " exists (pass --force to replace it)");
        }
        Set<Integer> drop;
        if (choice.drop != null) {
            drop = new TreeSet<>(BlockRanges.parse(choice.drop));
        } else {
            drop = chooseByImportance(input, choice.auto);
        }
        try (GgufFile file = GgufFile.open(input)) {
            BlockPruner.Outcome o = BlockPruner.prune(file, output, drop, keepGaps);
            Terminal.notice("wrote " + output + ": removed blocks " + BlockRanges.of(o.dropped()) + ", "
                    + o.kept().size() + " blocks left" + (keepGaps ? " (numbering kept)" : " (renumbered 0-"
                    + (o.blockCount() - 1) + ")") + "; lopper.prune.removed_blocks = " + o.removedOriginal());
        }
        return 0;
    }

    private Set<Integer> chooseByImportance(Path input, int n) throws Exception {
        if (!text.hasFile()) {
            throw new IllegalArgumentException("--auto needs -f TEXT to score the blocks on");
        }
        try (Model llama = ModelLoading.load(input,
                ModelLoading.options(threads, null, new SkipLayersOption(), new RepackOption()));
             ProgressDisplay progress = ProgressDisplay.on("layer-importance")) {
            List<Integer> candidates = LayerImportance.candidates(llama.config().runningBlocks(),
                    importance.keepFirst, importance.keepLast);
            if (n < 1 || n > candidates.size()) {
                throw new IllegalArgumentException("--auto " + n + ": " + candidates.size() + " blocks are"
                        + " candidates " + BlockRanges.of(candidates) + " (the others are protected by --keep-first"
                        + " and --keep-last)");
            }
            LayerImportance scores = LayerImportance.score(llama,
                    text.chunks(llama.tokenizer(), llama.config().contextLength()), text.batch(),
                    importance.keepFirst, importance.keepLast, progress);
            progress.close();
            Terminal.out().print(scores.table());
            Terminal.out().flush();
            return new TreeSet<>(scores.leastImportant(n));
        }
    }
}
