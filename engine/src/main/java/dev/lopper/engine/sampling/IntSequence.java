package dev.lopper.engine.sampling;

import java.util.Objects;

/**
 * A read-only sequence of ints (token ids), oldest first, read without boxing. {@link TokenRing} is the usual
 * implementation; {@link #of(int[], int)} views the first {@code count} entries of an array.
 */
public interface IntSequence {

    /** An empty sequence. */
    IntSequence EMPTY = of(new int[0], 0);

    int size();

    /** The {@code i}-th value, {@code 0} being the oldest. */
    int get(int i);

    /** Views {@code values[0 .. count)}; later changes to the array show through. */
    static IntSequence of(int[] values, int count) {
        Objects.requireNonNull(values, "values");
        Objects.checkFromIndexSize(0, count, values.length);
        return new IntSequence() {
            @Override
            public int size() {
                return count;
            }

            @Override
            public int get(int i) {
                Objects.checkIndex(i, count);
                return values[i];
            }
        };
    }

    /** Views the whole array. */
    static IntSequence of(int... values) {
        return of(values, values.length);
    }
}
