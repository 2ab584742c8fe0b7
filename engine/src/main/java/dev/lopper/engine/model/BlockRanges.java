package dev.lopper.engine.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * Block lists as people write them: {@code 24-29,31} parsed into block numbers, and sorted numbers rendered back
 * compactly as {@code [24-29, 31]}.
 */
public final class BlockRanges {
    private BlockRanges() {
    }

    /**
     * Parses a comma-separated list of block numbers and inclusive ranges ({@code 3}, {@code 24-29,31}) into the
     * sorted set of numbers it names.
     *
     * @throws IllegalArgumentException naming the element that is not a number or range of non-negative numbers
     */
    public static List<Integer> parse(String list) {
        TreeSet<Integer> out = new TreeSet<>();
        if (list == null || list.isBlank()) {
            throw new IllegalArgumentException("empty block list");
        }
        for (String part : list.split(",", -1)) {
            String p = part.strip();
            int dash = p.indexOf('-', 1);
            try {
                int from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).strip());
                int to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1).strip());
                if (from < 0 || to < from) {
                    throw new NumberFormatException();
                }
                if (to - from > 1_000_000) {
                    throw new IllegalArgumentException("block range '" + p + "' is too long");
                }
                for (int b = from; b <= to; b++) {
                    out.add(b);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + p + "' in block list '" + list
                        + "' is not a block number or a range like 24-29");
            }
        }
        return List.copyOf(out);
    }

    /** Renders block numbers compactly: {@code [0-1, 3, 5-7]}. */
    public static String of(Collection<Integer> blocks) {
        List<Integer> sorted = new ArrayList<>(new TreeSet<>(blocks));
        StringBuilder sb = new StringBuilder("[");
        int i = 0;
        while (i < sorted.size()) {
            int start = sorted.get(i);
            int end = start;
            while (i + 1 < sorted.size() && sorted.get(i + 1) == end + 1) {
                end = sorted.get(++i);
            }
            sb.append(sb.length() > 1 ? ", " : "").append(start == end ? "" + start : start + "-" + end);
            i++;
        }
        return sb.append(']').toString();
    }
}
