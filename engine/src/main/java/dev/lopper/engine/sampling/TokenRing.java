package dev.lopper.engine.sampling;

import java.util.Objects;

/**
 * Fixed-capacity ring buffer of the most recent token ids, for the repeat penalty. Adding to a full ring overwrites
 * the oldest id. Not thread-safe; allocates only in the constructor.
 */
public final class TokenRing implements IntSequence {

    private final int[] ids;
    private int start;
    private int size;

    public TokenRing(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
        }
        this.ids = new int[capacity];
    }

    public int capacity() {
        return ids.length;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int get(int i) {
        Objects.checkIndex(i, size);
        int j = start + i;
        return ids[j >= ids.length ? j - ids.length : j];
    }

    /** Appends {@code id} as the newest entry, dropping the oldest when full. */
    public void add(int id) {
        if (size < ids.length) {
            int j = start + size;
            ids[j >= ids.length ? j - ids.length : j] = id;
            size++;
        } else {
            ids[start] = id;
            start = start + 1 == ids.length ? 0 : start + 1;
        }
    }

    /** Appends each id in order. */
    public void addAll(int[] values, int from, int to) {
        Objects.checkFromToIndex(from, to, values.length);
        for (int i = from; i < to; i++) {
            add(values[i]);
        }
    }

    public void clear() {
        start = 0;
        size = 0;
    }
}
