package dev.lopper.prune;

import dev.lopper.engine.model.BlockLayout;
import dev.lopper.engine.model.BlockRanges;
import dev.lopper.gguf.GgufFile;
import dev.lopper.gguf.GgufMetadata;
import dev.lopper.gguf.GgufWriter;
import dev.lopper.gguf.MetadataType;
import dev.lopper.gguf.MetadataValue;
import dev.lopper.gguf.TensorInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes a GGUF file without some of its transformer blocks. Tensor data is copied byte for byte from the mapped
 * input, whatever its type; only names and metadata change:
 * <ul>
 *   <li>renumbered (the default): the remaining blocks become {@code blk.0 .. blk.K-1} in their order,
 *       {@code <arch>.block_count} becomes K and every per-layer array ({@code <arch>.*} arrays with one element
 *       per block: head counts, ffn sizes, …) keeps only the remaining blocks' elements: a file llama.cpp loads
 *       when it supports the shapes;</li>
 *   <li>with gaps kept: the remaining blocks keep their numbers, {@code block_count} and the arrays keep their
 *       length (llama.cpp refuses such files; Lopper skips the missing blocks).</li>
 * </ul>
 * {@code lopper.prune.removed_blocks} records the blocks of the original numbering that the output lacks, combined
 * with an earlier prune's record when the input has one. The output is written next to its target and renamed when
 * complete (see {@link GgufWriter}); the input is never the output.
 */
public final class BlockPruner {
    /** Metadata key listing the original block numbers removed (INT32 array, ascending). */
    public static final String REMOVED_KEY = "lopper.prune.removed_blocks";

    private static final Pattern BLOCK_TENSOR = Pattern.compile("blk\\.(\\d{1,9})\\.(.+)");

    private BlockPruner() {
    }

    /** What a prune did: the blocks dropped, the blocks written (by their input numbers) and the new count. */
    public record Outcome(List<Integer> dropped, List<Integer> kept, int blockCount, List<Integer> removedOriginal) {
    }

    /**
     * Writes {@code input} without the blocks in {@code drop} (the input's {@code blk.N} numbers) to {@code output}.
     *
     * @throws IllegalArgumentException if a block to drop is not in the file, nothing would remain, or
     *                                  {@code output} is the input
     */
    public static Outcome prune(GgufFile input, Path output, Set<Integer> drop, boolean keepGaps)
            throws IOException {
        String where = input.path().getFileName().toString();
        if (Files.exists(output) && Files.isSameFile(output, input.path())) {
            throw new IllegalArgumentException("refusing to write the pruned model over its input " + input.path());
        }
        GgufMetadata md = input.metadata();
        String arch = md.getString("general.architecture", "llama");
        String countKey = arch + ".block_count";
        int blockCount = md.getInt(countKey);
        BlockLayout layout = BlockLayout.of(input, blockCount);
        if (!layout.incomplete().isEmpty() || !layout.outOfRange().isEmpty()) {
            throw new IllegalArgumentException(where + ": blocks " + BlockRanges.of(layout.incomplete().keySet())
                    + BlockRanges.of(layout.outOfRange()) + " are incomplete or past " + countKey
                    + "; not pruning a broken file");
        }
        if (drop.isEmpty()) {
            throw new IllegalArgumentException("no blocks to drop");
        }
        for (int b : drop) {
            if (!layout.present().contains(b)) {
                throw new IllegalArgumentException(where + " has no block " + b + " to drop; its blocks are "
                        + BlockRanges.of(layout.present()));
            }
        }
        List<Integer> kept = layout.present().stream().filter(b -> !drop.contains(b)).toList();
        if (kept.isEmpty()) {
            throw new IllegalArgumentException("dropping " + BlockRanges.of(drop) + " leaves no block of " + where);
        }
        int[] newIndex = new int[blockCount];
        java.util.Arrays.fill(newIndex, -1);
        for (int i = 0; i < kept.size(); i++) {
            newIndex[kept.get(i)] = keepGaps ? kept.get(i) : i;
        }
        int newCount = keepGaps ? blockCount : kept.size();

        GgufMetadata.Builder out = md.toBuilder();
        out.put(countKey, new MetadataValue.IntValue(md.get(countKey).map(MetadataValue::type)
                .orElse(MetadataType.UINT32), newCount));
        if (!keepGaps) {
            for (Map.Entry<String, MetadataValue> e : md.asMap().entrySet()) {
                if (e.getKey().startsWith(arch + ".") && e.getValue() instanceof MetadataValue.ArrayValue<?> a
                        && a.size() == blockCount) {
                    out.put(e.getKey(), PerLayerArrays.select(a, kept));
                }
            }
        }
        List<Integer> removed = removedOriginal(md, blockCount, kept);
        out.put(REMOVED_KEY, MetadataValue.ArrayValue.of(MetadataType.INT32,
                removed.stream().mapToInt(Integer::intValue).toArray()));

        List<GgufWriter.TensorEntry> tensors = new ArrayList<>();
        for (TensorInfo t : input.tensors()) {
            String name = t.name();
            Matcher m = BLOCK_TENSOR.matcher(name);
            if (m.matches()) {
                int b = Integer.parseInt(m.group(1));
                if (drop.contains(b)) {
                    continue;
                }
                name = "blk." + newIndex[b] + "." + m.group(2);
            }
            tensors.add(new GgufWriter.TensorEntry(name, t.type(), t.shape(), input.data(t)));
        }
        GgufWriter.write(output, input.version(), out.build(), tensors);
        return new Outcome(List.copyOf(new TreeSet<>(drop)), kept, newCount, removed);
    }

    /**
     * The blocks of the original numbering the output lacks: this file's numbers without a kept block, mapped
     * through an earlier {@link #REMOVED_KEY} when this file was itself renumbered by a prune.
     */
    static List<Integer> removedOriginal(GgufMetadata md, int blockCount, List<Integer> kept) {
        TreeSet<Integer> earlier = new TreeSet<>();
        if (md.has(REMOVED_KEY)) {
            for (int b : md.getIntArray(REMOVED_KEY)) {
                earlier.add(b);
            }
        }
        // A renumbered file's block j is the j-th original number not removed earlier; a file that kept its gaps
        // still uses the original numbers.
        boolean renumbered = !earlier.isEmpty() && (earlier.last() >= blockCount || kept.stream().anyMatch(earlier::contains));
        List<Integer> original = new ArrayList<>();
        if (renumbered) {
            for (int o = 0; original.size() < blockCount; o++) {
                if (!earlier.contains(o)) {
                    original.add(o);
                }
            }
        } else {
            for (int b = 0; b < blockCount; b++) {
                original.add(b);
            }
        }
        TreeSet<Integer> removed = new TreeSet<>(earlier);
        for (int b = 0; b < blockCount; b++) {
            if (!kept.contains(b)) {
                removed.add(original.get(b));
            }
        }
        return List.copyOf(removed);
    }
}
