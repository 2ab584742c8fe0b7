package dev.lopper.engine.inference;

import java.util.Objects;

/**
 * The rows of one forward pass over several sequences: row {@code r} is token {@code token(r)} at position
 * {@code position(r)} of the sequence whose keys and values live in {@code cache(r)}. Rows of one sequence must come
 * in position order and follow every position already in its cache. Rows marked for logits get them, in row order.
 * Reused from step to step: {@link #clear()} empties it without allocating.
 */
public final class TokenBatch {
    private final int[] tokens;
    private final int[] positions;
    private final KvCache[] caches;
    private final boolean[] logits;
    private int size;
    private int logitRows;

    /** A batch of at most {@code capacity} rows. */
    public TokenBatch(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("batch capacity must be at least 1, got " + capacity);
        }
        tokens = new int[capacity];
        positions = new int[capacity];
        caches = new KvCache[capacity];
        logits = new boolean[capacity];
    }

    public void clear() {
        java.util.Arrays.fill(caches, 0, size, null);
        size = 0;
        logitRows = 0;
    }

    /** Adds a row; false when the batch is full. */
    public boolean add(KvCache cache, int token, int position, boolean wantLogits) {
        if (size == tokens.length) {
            return false;
        }
        caches[size] = Objects.requireNonNull(cache, "cache");
        tokens[size] = token;
        positions[size] = position;
        logits[size] = wantLogits;
        size++;
        if (wantLogits) {
            logitRows++;
        }
        return true;
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return tokens.length;
    }

    /** Rows that get logits. */
    public int logitRows() {
        return logitRows;
    }

    public int token(int row) {
        return tokens[row];
    }

    public int position(int row) {
        return positions[row];
    }

    public KvCache cache(int row) {
        return caches[row];
    }

    public boolean wantsLogits(int row) {
        return logits[row];
    }
}
