package dev.lopper.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class SamplingParamsTest {

    @Test
    void llamaCppDefaults() {
        SamplingParams p = SamplingParams.defaults(7L);
        assertEquals(0.8f, p.temperature());
        assertEquals(40, p.topK());
        assertEquals(0.95f, p.topP());
        assertEquals(0.05f, p.minP());
        assertEquals(1.0f, p.repeatPenalty());
        assertEquals(64, p.repeatLastN());
        assertEquals(7L, p.seed());
        assertFalse(p.isGreedy());
        assertTrue(SamplingParams.greedy().isGreedy());
    }

    @Test
    void withersChangeOneField() {
        SamplingParams p = SamplingParams.defaults(1L).withTopK(5).withTopP(0.5f).withMinP(0.1f)
                .withRepeatPenalty(1.1f).withRepeatLastN(32).withTemperature(0.3f).withSeed(9L);
        assertEquals(new SamplingParams(0.3f, 5, 0.5f, 0.1f, 1.1f, 32, 9L), p);
    }

    @Test
    void invalidValuesNameTheParameter() {
        SamplingParams d = SamplingParams.defaults(0);
        assertRejected("temperature", () -> d.withTemperature(-0.1f));
        assertRejected("temperature", () -> d.withTemperature(Float.NaN));
        assertRejected("temperature", () -> d.withTemperature(Float.POSITIVE_INFINITY));
        assertRejected("top-k", () -> d.withTopK(-1));
        assertRejected("top-p", () -> d.withTopP(1.5f));
        assertRejected("top-p", () -> d.withTopP(Float.NaN));
        assertRejected("min-p", () -> d.withMinP(-0.01f));
        assertRejected("repeat-penalty", () -> d.withRepeatPenalty(0f));
        assertRejected("repeat-last-n", () -> d.withRepeatLastN(-2));
    }

    @Test
    void boundaryValuesAreAccepted() {
        SamplingParams d = SamplingParams.defaults(0);
        d.withTemperature(0f).withTopK(0).withTopP(0f).withTopP(1f).withMinP(0f).withMinP(1f).withRepeatLastN(-1)
                .withRepeatLastN(0);
    }

    private static void assertRejected(String name, Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().startsWith(name + " "), ex.getMessage());
    }
}
