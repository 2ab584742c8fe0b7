package dev.lopper.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TokenRingTest {

    static int[] contents(IntSequence s) {
        int[] out = new int[s.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = s.get(i);
        }
        return out;
    }

    @Test
    void keepsTheNewestInOrder() {
        TokenRing r = new TokenRing(3);
        assertEquals(0, r.size());
        r.add(1);
        r.add(2);
        assertEquals("[1, 2]", java.util.Arrays.toString(contents(r)));
        r.add(3);
        r.add(4);
        r.add(5);
        assertEquals("[3, 4, 5]", java.util.Arrays.toString(contents(r)));
        assertEquals(3, r.capacity());
        r.clear();
        assertEquals(0, r.size());
        r.addAll(new int[] {9, 8, 7, 6}, 1, 4);
        assertEquals("[8, 7, 6]", java.util.Arrays.toString(contents(r)));
    }

    @Test
    void boundsAreChecked() {
        TokenRing r = new TokenRing(2);
        r.add(1);
        assertThrows(IndexOutOfBoundsException.class, () -> r.get(1));
        assertThrows(IllegalArgumentException.class, () -> new TokenRing(0));
        IntSequence view = IntSequence.of(new int[] {4, 5, 6}, 2);
        assertEquals(2, view.size());
        assertEquals(5, view.get(1));
        assertThrows(IndexOutOfBoundsException.class, () -> view.get(2));
        assertEquals(0, IntSequence.EMPTY.size());
    }
}
