package dev.lopper.engine.model;

import dev.lopper.gguf.GgufFile;
import dev.lopper.gguf.TensorInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which transformer blocks a file holds, read from its tensor names ({@code blk.N.<part>.weight}). A block with no
 * tensors at all was pruned in place and is skipped; a block with only some of its tensors is broken.
 *
 * @param blockCount the numbering space: {@code <arch>.block_count}, or one past the highest block seen
 * @param present    blocks with every required tensor
 * @param missing    blocks below {@code blockCount} with no tensors
 * @param incomplete blocks with some but not all required tensors, with the tensor names they lack
 */
public record BlockLayout(int blockCount, List<Integer> present, List<Integer> missing,
                          Map<Integer, List<String>> incomplete) {

    /** The tensors every LLaMA block must have, as {@code blk.N.<part>.weight}. */
    public static final List<String> REQUIRED_PARTS = List.of(
            "attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down");

    private static final Pattern BLOCK_TENSOR = Pattern.compile("blk\\.(\\d{1,9})\\.(.+)");

    public BlockLayout {
        present = List.copyOf(present);
        missing = List.copyOf(missing);
        incomplete = Map.copyOf(incomplete);
    }

    /** Reads the layout of {@code file}; {@code declaredBlockCount} below 0 means "not in the metadata". */
    public static BlockLayout of(GgufFile file, int declaredBlockCount) {
        Map<Integer, Set<String>> parts = new TreeMap<>();
        for (TensorInfo t : file.tensors()) {
            Matcher m = BLOCK_TENSOR.matcher(t.name());
            if (m.matches()) {
                String part = m.group(2);
                if (part.endsWith(".weight")) {
                    part = part.substring(0, part.length() - ".weight".length());
                }
                parts.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new TreeSet<>()).add(part);
            }
        }
        int seen = parts.isEmpty() ? 0 : ((TreeMap<Integer, Set<String>>) parts).lastKey() + 1;
        int count = declaredBlockCount >= 0 ? declaredBlockCount : seen;
        List<Integer> present = new ArrayList<>();
        List<Integer> missing = new ArrayList<>();
        Map<Integer, List<String>> incomplete = new TreeMap<>();
        for (int b = 0; b < Math.max(count, seen); b++) {
            Set<String> have = parts.get(b);
            if (have == null) {
                if (b < count) {
                    missing.add(b);
                }
                continue;
            }
            int block = b;
            List<String> lacking = REQUIRED_PARTS.stream().filter(p -> !have.contains(p))
                    .map(p -> "blk." + block + "." + p + ".weight").toList();
            if (lacking.isEmpty()) {
                present.add(b);
            } else {
                incomplete.put(b, lacking);
            }
        }
        return new BlockLayout(count, present, missing, incomplete);
    }

    /** Blocks numbered at or past {@code blockCount} (a file whose tensors disagree with its metadata). */
    public List<Integer> outOfRange() {
        List<Integer> out = new ArrayList<>();
        for (int b : present) {
            if (b >= blockCount) {
                out.add(b);
            }
        }
        for (int b : incomplete.keySet()) {
            if (b >= blockCount) {
                out.add(b);
            }
        }
        return out;
    }
}
