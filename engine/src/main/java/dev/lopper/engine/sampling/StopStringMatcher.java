package dev.lopper.engine.sampling;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Streaming stop-string filter for decoded text.
 *
 * <p>{@link #feed} takes each decoded chunk and returns the text that is safe to show: everything except a tail that
 * could still grow into a stop string, which is held back. When a stop string completes — even when it arrived
 * split over many chunks — the text before it is returned, {@link #stopped()} becomes true, and the stop string and
 * everything after it are never returned. If the held-back tail turns out not to be a stop string, it is returned by
 * a later {@code feed} (or by {@link #flush()} at the end of generation).
 *
 * <p>When several stop strings complete in the same text, the one that starts first wins (the longer one on a tie).
 * Not thread-safe.
 */
public final class StopStringMatcher {

    private final List<String> stops;
    private final int longest;
    private final StringBuilder pending = new StringBuilder();
    private String matched;

    /** @param stops the stop strings; none may be empty. An empty collection never stops. */
    public StopStringMatcher(Collection<String> stops) {
        this.stops = List.copyOf(Objects.requireNonNull(stops, "stops"));
        int max = 0;
        for (String s : this.stops) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
            max = Math.max(max, s.length());
        }
        this.longest = max;
    }

    public List<String> stopStrings() {
        return stops;
    }

    /**
     * Takes the next decoded chunk; returns the text that can be shown now (possibly empty). After a stop string
     * completed, returns "" for every further chunk.
     */
    public String feed(String chunk) {
        Objects.requireNonNull(chunk, "chunk");
        if (matched != null) {
            return "";
        }
        if (stops.isEmpty()) {
            return chunk;
        }
        // Held-back text never contains a whole stop string, so a new match must end inside the new chunk: it starts
        // at most (longest - 1) characters before it.
        int searchFrom = Math.max(0, pending.length() - (longest - 1));
        pending.append(chunk);

        int bestAt = -1;
        String best = null;
        for (String stop : stops) {
            int at = pending.indexOf(stop, searchFrom);
            if (at >= 0 && (bestAt < 0 || at < bestAt || (at == bestAt && stop.length() > best.length()))) {
                bestAt = at;
                best = stop;
            }
        }
        if (best != null) {
            matched = best;
            String out = pending.substring(0, bestAt);
            pending.setLength(0);
            return out;
        }

        int hold = heldBackLength();
        int emit = pending.length() - hold;
        if (emit > 0 && Character.isHighSurrogate(pending.charAt(emit - 1))) {
            emit--; // never split a surrogate pair
        }
        String out = pending.substring(0, emit);
        pending.delete(0, emit);
        return out;
    }

    /**
     * Ends the stream: returns the held-back text (which is not a stop string), or "" if a stop string completed.
     * The matcher can then be reused for a new stream only after {@link #reset()}.
     */
    public String flush() {
        String out = pending.toString();
        pending.setLength(0);
        return out;
    }

    /** True once a stop string has completed. */
    public boolean stopped() {
        return matched != null;
    }

    /** The stop string that completed, if any. */
    public Optional<String> matchedStop() {
        return Optional.ofNullable(matched);
    }

    /** The text currently held back as a possible start of a stop string. */
    public String heldBack() {
        return pending.toString();
    }

    /** Forgets held-back text and any match, for a new stream. */
    public void reset() {
        pending.setLength(0);
        matched = null;
    }

    /** Length of the longest suffix of {@code pending} that is a proper prefix of some stop string. */
    private int heldBackLength() {
        int len = pending.length();
        int best = 0;
        for (String stop : stops) {
            for (int k = Math.min(stop.length() - 1, len); k > best; k--) {
                if (regionEquals(len - k, stop, k)) {
                    best = k;
                    break;
                }
            }
        }
        return best;
    }

    private boolean regionEquals(int from, String stop, int k) {
        for (int i = 0; i < k; i++) {
            if (pending.charAt(from + i) != stop.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
