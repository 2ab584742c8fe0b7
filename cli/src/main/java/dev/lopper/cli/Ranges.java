package dev.lopper.cli;

import java.util.List;

/** Compact rendering of sorted block numbers: {@code [0-1, 3, 5-7]}. */
final class Ranges {
    private Ranges() {
    }

    static String of(List<Integer> sorted) {
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
