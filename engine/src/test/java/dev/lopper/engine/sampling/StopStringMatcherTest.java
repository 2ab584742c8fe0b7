package dev.lopper.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StopStringMatcherTest {

    @Test
    void stopSplitAcrossManyChunks() {
        StopStringMatcher m = new StopStringMatcher(List.of("USER:"));
        assertEquals("Hello ", m.feed("Hello US"));
        assertEquals("", m.feed("E"));
        assertEquals("", m.feed("R"));
        assertFalse(m.stopped());
        assertEquals("", m.feed(": and more"));
        assertTrue(m.stopped());
        assertEquals(Optional.of("USER:"), m.matchedStop());
        assertEquals("", m.flush());
    }

    @Test
    void partialFalseAlarmIsEmittedLater() {
        StopStringMatcher m = new StopStringMatcher(List.of("USER:"));
        assertEquals("Hello ", m.feed("Hello US"));
        assertEquals("US", m.heldBack());
        assertEquals("USA is big", m.feed("A is big"));
        assertFalse(m.stopped());
        assertEquals("ok ", m.feed("ok U"));
        assertEquals("U", m.heldBack());
        assertEquals("Unless", m.feed("nless"));
        assertEquals("", m.heldBack());
    }

    @Test
    void nothingAfterTheStopIsEmitted() {
        StopStringMatcher m = new StopStringMatcher(List.of("</s>"));
        assertEquals("abc", m.feed("abc</s>def"));
        assertTrue(m.stopped());
        assertEquals("", m.feed("more text"));
        assertEquals("", m.flush());
    }

    @Test
    void stopAtTheVeryStart() {
        StopStringMatcher m = new StopStringMatcher(List.of("<|im_end|>"));
        assertEquals("", m.feed("<|im_"));
        assertEquals("", m.feed("end|>trailing"));
        assertTrue(m.stopped());
    }

    @Test
    void flushEmitsHeldBackText() {
        StopStringMatcher m = new StopStringMatcher(List.of("<|im_end|>"));
        assertEquals("text ", m.feed("text <|im"));
        assertEquals("<|im", m.flush());
        assertFalse(m.stopped());
    }

    @Test
    void earliestStopWins() {
        StopStringMatcher m = new StopStringMatcher(List.of("[INST]", "</s>"));
        assertEquals("answer ", m.feed("answer </s>[INST] next"));
        assertEquals(Optional.of("</s>"), m.matchedStop());
        StopStringMatcher longer = new StopStringMatcher(List.of("USER", "USER:"));
        assertEquals("a ", longer.feed("a USER: b"));
        assertEquals(Optional.of("USER:"), longer.matchedStop());
    }

    @Test
    void overlappingPrefixesAreFound() {
        // "aab" held as "aa": the stop "ab" starts at the second 'a'.
        StopStringMatcher m = new StopStringMatcher(List.of("ab"));
        assertEquals("xa", m.feed("xaa"));
        assertEquals("", m.feed("b tail"));
        assertTrue(m.stopped());
    }

    @Test
    void noStopStringsPassEverything() {
        StopStringMatcher m = new StopStringMatcher(List.of());
        assertEquals("anything", m.feed("anything"));
        assertEquals("", m.flush());
    }

    @Test
    void emptyStopStringIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new StopStringMatcher(List.of("a", "")));
    }

    @Test
    void resetStartsOver() {
        StopStringMatcher m = new StopStringMatcher(List.of("##"));
        m.feed("x##");
        assertTrue(m.stopped());
        m.reset();
        assertFalse(m.stopped());
        assertEquals("y", m.feed("y#"));
        assertEquals("#", m.flush());
    }

    @Test
    void surrogatePairsAreNotSplit() {
        StopStringMatcher m = new StopStringMatcher(List.of("\uD83E\uDD99!"));
        String llama = "\uD83E\uDD99";
        assertEquals("a", m.feed("a" + llama));
        assertEquals(llama + "b", m.feed("b"));
        // A chunk ending in half a pair never emits the half.
        StopStringMatcher n = new StopStringMatcher(List.of("zz"));
        assertEquals("a", n.feed("a\uD83E"));
        assertEquals("\uD83E\uDD99", n.feed("\uDD99"));
    }

    @Test
    void randomChunkingMatchesWholeTextSearch() {
        SplittableRandom r = new SplittableRandom(2024);
        List<String> stops = List.of("USER:", "</s>", "###", "aab");
        String alphabet = "USER:</s>#ab x";
        for (int trial = 0; trial < 3000; trial++) {
            StringBuilder text = new StringBuilder();
            int len = r.nextInt(40);
            for (int i = 0; i < len; i++) {
                text.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            String s = text.toString();
            int cut = s.length();
            for (String stop : stops) {
                int at = s.indexOf(stop);
                if (at >= 0) {
                    cut = Math.min(cut, at);
                }
            }
            List<String> chunks = new ArrayList<>();
            for (int i = 0; i < s.length(); ) {
                int n = 1 + r.nextInt(6);
                chunks.add(s.substring(i, Math.min(s.length(), i + n)));
                i += n;
            }
            StopStringMatcher m = new StopStringMatcher(stops);
            StringBuilder out = new StringBuilder();
            for (String chunk : chunks) {
                out.append(m.feed(chunk));
                assertTrue(s.startsWith(out.toString()));
            }
            out.append(m.flush());
            assertEquals(s.substring(0, cut), out.toString(), "text " + s + " chunks " + chunks);
            assertEquals(cut < s.length(), m.stopped(), s);
        }
    }
}
