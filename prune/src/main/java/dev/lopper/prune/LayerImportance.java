package dev.lopper.prune;

import dev.lopper.engine.Model;
import dev.lopper.engine.eval.BlockAblation;
import dev.lopper.engine.eval.PerplexityEstimate;
import dev.lopper.engine.eval.Progress;
import dev.lopper.engine.eval.TextChunks;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Shortened LLaMA's one-shot PPL criterion (Kim et al. 2024): a block matters as much as perplexity rises when it
 * alone is removed. The first {@code keepFirst} and last {@code keepLast} blocks that run are protected, as the
 * paper protects the first 4 and last 2 of LLaMA-7B: they are neither scored nor ever removed.
 *
 * @param model  the model's file name, for tables and charts
 * @param whole  the whole model's perplexity on the text
 * @param blocks every block that runs, in order, scored or protected
 */
public record LayerImportance(String model, PerplexityEstimate whole, List<Row> blocks) {

    /**
     * One block.
     *
     * @param block     the file's block number
     * @param scored    false for a protected block (then {@code without} is null and {@code delta} NaN)
     * @param without   the perplexity with this block removed
     * @param delta     {@code without − whole}: how much the block matters
     */
    public record Row(int block, boolean scored, PerplexityEstimate without, double delta) {
    }

    public LayerImportance {
        blocks = List.copyOf(blocks);
    }

    /** The blocks that may be scored: those that run, less the first {@code keepFirst} and last {@code keepLast}. */
    public static List<Integer> candidates(List<Integer> running, int keepFirst, int keepLast) {
        if (keepFirst < 0 || keepLast < 0) {
            throw new IllegalArgumentException("--keep-first and --keep-last must not be negative");
        }
        if (keepFirst + keepLast >= running.size()) {
            throw new IllegalArgumentException("--keep-first " + keepFirst + " and --keep-last " + keepLast
                    + " protect all " + running.size() + " blocks; no block is left to score (lower them, e.g."
                    + " --keep-first 1 --keep-last 1)");
        }
        return List.copyOf(running.subList(keepFirst, running.size() - keepLast));
    }

    /** Scores the candidate blocks of {@code model} on {@code text} (see {@link BlockAblation}). */
    public static LayerImportance score(Model model, TextChunks text, int batch, int keepFirst,
                                        int keepLast, Progress progress) throws IOException {
        List<Integer> running = model.config().runningBlocks();
        List<Integer> candidates = candidates(running, keepFirst, keepLast);
        BlockAblation.Result r = new BlockAblation(model, batch).run(text, candidates, progress);
        List<Row> rows = new ArrayList<>();
        for (int b : running) {
            PerplexityEstimate without = r.without().get(b);
            rows.add(without == null ? new Row(b, false, null, Double.NaN)
                    : new Row(b, true, without, without.ppl() - r.whole().ppl()));
        }
        return new LayerImportance(model.path().getFileName().toString(), r.whole(), rows);
    }

    /** The scored blocks, least important (smallest ΔPPL) first; ties by block number. */
    public List<Row> ranked() {
        return blocks.stream().filter(Row::scored)
                .sorted(Comparator.comparingDouble(Row::delta).thenComparingInt(Row::block)).toList();
    }

    /** The {@code n} least important blocks, ascending by number. */
    public List<Integer> leastImportant(int n) {
        List<Row> ranked = ranked();
        if (n < 1 || n > ranked.size()) {
            throw new IllegalArgumentException("cannot remove " + n + " blocks: " + ranked.size()
                    + " are candidates (the others are protected by --keep-first/--keep-last)");
        }
        return ranked.subList(0, n).stream().map(Row::block).sorted().toList();
    }

    /** The ranked table as CSV: {@code rank,block,ppl_without,ppl_without_error,delta_ppl}, then protected blocks. */
    public String csv() {
        StringBuilder sb = new StringBuilder("rank,block,ppl_without,ppl_without_error,delta_ppl\n");
        int rank = 1;
        for (Row r : ranked()) {
            sb.append(String.format(Locale.ROOT, "%d,%d,%.6f,%.6f,%.6f%n", rank++, r.block(), r.without().ppl(),
                    r.without().error(), r.delta()));
        }
        for (Row r : blocks) {
            if (!r.scored()) {
                sb.append(",").append(r.block()).append(",protected,,\n");
            }
        }
        return sb.toString();
    }

    /** The ranked table for people. */
    public String table() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%4s  %5s  %14s  %10s%n", "rank", "block",
                "PPL without", "ΔPPL"));
        int rank = 1;
        for (Row r : ranked()) {
            sb.append(String.format(Locale.ROOT, "%4d  %5d  %14.4f  %+10.4f%n", rank++, r.block(), r.without().ppl(),
                    r.delta()));
        }
        List<Integer> kept = blocks.stream().filter(r -> !r.scored()).map(Row::block).toList();
        sb.append(String.format(Locale.ROOT, "whole model: PPL %.4f +/- %.5f; protected (not scored): %s%n",
                whole.ppl(), whole.error(), dev.lopper.engine.model.BlockRanges.of(kept)));
        return sb.toString();
    }
}
