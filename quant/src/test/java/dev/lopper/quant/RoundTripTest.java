package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Quantize → dequantize on synthetic data, for every quantizer. */
class RoundTripTest {

    static GgmlType[] types() {
        return QuantTestData.FIXTURE_TYPES;
    }

    private static float[] roundTrip(GgmlType type, float[] x) {
        byte[] q = BlockQuantizer.forType(type).orElseThrow().quantize(x);
        assertEquals(type.byteSize(x.length), q.length);
        float[] back = new float[x.length];
        BlockCodec.of(type).dequantize(MemorySegment.ofArray(q), 0, back, 0, back.length);
        return back;
    }

    @ParameterizedTest
    @MethodSource("types")
    void gaussianWeightsStayWithinTheTypeBound(GgmlType type) {
        double bound = QuantTestData.REL_RMS_BOUND.get(type);
        for (float sigma : new float[] {0.02f, 1f, 300f}) {
            float[] x = QuantTestData.gaussian(42 + type.ordinal(), 4096, sigma);
            double err = QuantTestData.relRms(roundTrip(type, x), x);
            System.out.printf("%-7s sigma=%-6s relative RMS error %.5f (bound %.3f)%n", type, sigma, err, bound);
            assertTrue(err <= bound, type + " σ=" + sigma + ": relative RMS error " + err + " > " + bound);
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    void awkwardBlocksStayFinite(GgmlType type) {
        int n = 256 * 8;
        float[] x = new float[n];
        Random r = new Random(7);
        for (int i = 0; i < n; i++) {
            int block = i / 256;
            x[i] = switch (block) {
                case 0 -> 0f;                                          // all zero
                case 1 -> 0.3f;                                        // constant positive
                case 2 -> -0.3f;                                       // constant negative
                case 3 -> (float) r.nextGaussian() * 1e-30f;           // below half precision
                case 4 -> i % 256 == 17 ? 50f : (float) r.nextGaussian() * 0.01f; // one outlier
                case 5 -> (float) Math.abs(r.nextGaussian());          // all positive
                case 6 -> i % 2 == 0 ? 1f : -1f;                       // two values
                default -> (float) r.nextGaussian() * 10000f;          // large, still within half range
            };
        }
        float[] back = roundTrip(type, x);
        for (int i = 0; i < n; i++) {
            assertTrue(Float.isFinite(back[i]), type + " element " + i + " of input " + x[i] + " came back " + back[i]);
        }
        for (int i = 0; i < 256; i++) {
            assertTrue(back[i] == 0, type + ": zeros come back as zeros, got " + back[i]);
        }
        for (int block = 1; block < 8; block++) {
            if (block == 3) {
                continue;
            }
            float[] want = Arrays.copyOfRange(x, 256 * block, 256 * block + 256);
            double err = QuantTestData.relRms(Arrays.copyOfRange(back, 256 * block, 256 * block + 256), want);
            assertTrue(err < 0.7, type + " block " + block + ": relative RMS error " + err);
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    void writesExactlyItsBytesAtTheGivenOffsets(GgmlType type) {
        int n = Math.max(type.blockSize(), 32) * 3;
        float[] src = QuantTestData.gaussian(3, n + 11, 1f);
        int bytes = Math.toIntExact(type.byteSize(n));
        byte[] buffer = new byte[bytes + 20];
        Arrays.fill(buffer, (byte) 0x5A);
        BlockQuantizer q = BlockQuantizer.forType(type).orElseThrow();
        q.quantize(src, 11, n, MemorySegment.ofArray(buffer), 13);
        for (int i = 0; i < 13; i++) {
            assertEquals((byte) 0x5A, buffer[i], "byte before the output");
        }
        for (int i = 13 + bytes; i < buffer.length; i++) {
            assertEquals((byte) 0x5A, buffer[i], "byte after the output");
        }
        byte[] direct = q.quantize(Arrays.copyOfRange(src, 11, 11 + n));
        assertEquals(-1, Arrays.mismatch(direct, Arrays.copyOfRange(buffer, 13, 13 + bytes)));
    }

    @Test
    void f16AndBf16RoundingIsNearestEven() {
        // 1 + 2^-11 is halfway between two halves: ties to even (1.0); 1 + 3·2^-11 rounds up to 1 + 2^-9.
        assertEquals(1f, Fp16.toFloat(Fp16.fromFloat(1f + 0x1p-11f)));
        assertEquals(1f + 0x1p-9f, Fp16.toFloat(Fp16.fromFloat(1f + 3 * 0x1p-11f)));
        assertEquals(1f, Fp16.bf16ToFloat(Fp16.floatToBf16(1f + 0x1p-8f)));
        assertEquals(1f + 0x1p-6f, Fp16.bf16ToFloat(Fp16.floatToBf16(1f + 3 * 0x1p-8f)));
        assertTrue(Float.isNaN(Fp16.bf16ToFloat(Fp16.floatToBf16(Float.intBitsToFloat(0x7f800001)))));
        assertEquals(Float.POSITIVE_INFINITY, Fp16.bf16ToFloat(Fp16.floatToBf16(Float.MAX_VALUE)));
    }
}
