package dev.lopper.gguf;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.lang.foreign.MemorySegment;

/**
 * Fuzz target (Jazzer, docs/fuzzing.md): any bytes given to the GGUF reader give a result or a
 * {@link GgufFormatException} within 10 s; any other exception, an {@link OutOfMemoryError} or a slower input is a
 * finding. Without JAZZER_FUZZ (the normal test run) this replays the seeds and every crash found, kept in
 * {@code src/test/resources/dev/lopper/gguf/GgufFuzzTestInputs/parse}.
 */
class GgufFuzzTest {
    private static final long LIMIT_NANOS = 10_000_000_000L;

    @FuzzTest(maxDuration = "3m")
    void parse(byte[] data) {
        MemorySegment seg = MemorySegment.ofArray(data);
        for (boolean allowTruncatedData : new boolean[] {false, true}) {
            long t0 = System.nanoTime();
            try {
                GgufReader.Parsed p = GgufReader.parse(seg, "fuzz.gguf", allowTruncatedData);
                p.metadata().toString(); // every value renders
                for (TensorInfo t : p.tensors()) {
                    t.toString();
                }
            } catch (GgufFormatException expected) {
                // the reader's own error: the property holds
            }
            long took = System.nanoTime() - t0;
            if (took > LIMIT_NANOS) {
                throw new AssertionError(data.length + "-byte input took " + took / 1_000_000 + " ms");
            }
        }
    }
}
