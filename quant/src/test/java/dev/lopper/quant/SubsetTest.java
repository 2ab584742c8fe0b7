package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;
import dev.lopper.gguf.GgufFile;
import dev.lopper.gguf.TensorInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The in-repo subset (src/test/resources/tiny-subset, from src/test/python/make_tiny_subset.py): two tensors per
 * type cut from the shared fixtures, with gguf-py's independent dequantization of their first rows.
 */
class SubsetTest {

    private static final String[] TENSORS = {"blk.0.attn_k.weight", "blk.0.ffn_down.weight"};

    static GgmlType[] types() {
        return QuantTestData.FIXTURE_TYPES;
    }

    private static GgufFile open(GgmlType type) throws IOException {
        return GgufFile.open(QuantTestData.subset(type.name().toLowerCase() + ".gguf"));
    }

    @ParameterizedTest
    @MethodSource("types")
    void dequantizationIsBitIdenticalToGgufPy(GgmlType type) throws IOException {
        if (type == GgmlType.F32) {
            return; // no expected tensors: F32 is the original
        }
        try (GgufFile f = open(type)) {
            for (String name : TENSORS) {
                TensorInfo t = f.tensor(name).orElseThrow();
                TensorInfo e = f.tensor("expected." + name).orElseThrow();
                assertEquals(type, t.type());
                float[] expected = QuantTestData.dequantize(f, e);
                float[] got = new float[expected.length];
                BlockCodec.of(type).dequantize(f.data(t), 0, got, 0, got.length);
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(got[i]),
                            name + "[" + i + "]: " + got[i] + " vs gguf-py " + expected[i]);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    void dequantizesCloseToTheOriginal(GgmlType type) throws IOException {
        double bound = QuantTestData.REL_RMS_BOUND.get(type);
        try (GgufFile original = open(GgmlType.F32); GgufFile f = open(type)) {
            for (String name : TENSORS) {
                float[] want = QuantTestData.dequantize(original, original.tensor(name).orElseThrow());
                float[] got = QuantTestData.dequantize(f, f.tensor(name).orElseThrow());
                double err = QuantTestData.relRms(got, want);
                assertTrue(err <= bound, type + " " + name + ": relative RMS error " + err + " > " + bound);
                if (type != GgmlType.F32) {
                    assertTrue(err > 0, "suspiciously exact");
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    void quantizerReproducesLlamaQuantize(GgmlType type) throws IOException {
        try (GgufFile original = open(GgmlType.F32); GgufFile f = open(type)) {
            for (String name : TENSORS) {
                float[] weights = QuantTestData.dequantize(original, original.tensor(name).orElseThrow());
                byte[] ours = BlockQuantizer.forType(type).orElseThrow().quantize(weights);
                byte[] theirs = f.data(f.tensor(name).orElseThrow()).toArray(ValueLayout.JAVA_BYTE);
                assertEquals(-1, Arrays.mismatch(ours, theirs), type + " " + name + ": first differing byte");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    void dotMatchesDequantizedRows(GgmlType type) throws IOException {
        try (GgufFile f = open(type)) {
            for (String name : TENSORS) {
                TensorInfo t = f.tensor(name).orElseThrow();
                MemorySegment data = f.data(t);
                BlockCodec codec = BlockCodec.of(type);
                int cols = Math.toIntExact(t.columns());
                long rowBytes = type.byteSize(cols);
                float[] x = QuantTestData.gaussian(cols, cols + 5, 1f);
                float[] row = new float[cols];
                for (int r = 0; r < t.rows(); r++) {
                    codec.dequantize(data, r * rowBytes, row, 0, cols);
                    double want = 0;
                    double magnitude = 0;
                    for (int c = 0; c < cols; c++) {
                        want += (double) row[c] * x[5 + c];
                        magnitude += Math.abs((double) row[c] * x[5 + c]);
                    }
                    float got = codec.dot(data, r * rowBytes, x, 5, cols);
                    assertTrue(Math.abs(got - want) <= 1e-4 * magnitude, name + " row " + r + ": " + got + " vs " + want);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    void dequantizingPartOfARowMatchesTheWhole(GgmlType type) throws IOException {
        try (GgufFile f = open(type)) {
            TensorInfo t = f.tensor("blk.0.ffn_down.weight").orElseThrow();
            float[] whole = QuantTestData.dequantize(f, t);
            int bs = Math.max(type.blockSize(), 32);
            int from = 3 * bs;
            int n = 2 * bs;
            float[] part = new float[n + 7];
            BlockCodec.of(type).dequantize(f.data(t), type.byteSize(from), part, 7, n);
            assertArrayEquals(Arrays.copyOfRange(whole, from, from + n), Arrays.copyOfRange(part, 7, n + 7));
        }
    }
}
