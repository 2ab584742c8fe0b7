package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;
import dev.lopper.gguf.GgufFile;
import dev.lopper.gguf.TensorInfo;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The full fixture set (runs when ../../shared exists): every 2-D tensor of tiny-&lt;type&gt;.gguf dequantizes close to
 * the same tensor of tiny-f32.gguf, {@code dot} agrees with Σ dequantize·x on every row, and our quantizer turns
 * the original weights into exactly the bytes llama-quantize wrote.
 */
class FixtureAccuracyTest {

    static GgmlType[] types() {
        return QuantTestData.FIXTURE_TYPES;
    }

    @ParameterizedTest
    @MethodSource("types")
    void dequantizesEveryTensorCloseToTheOriginal(GgmlType type) throws IOException {
        Assumptions.assumeTrue(QuantTestData.hasShared(), "../../shared not present");
        double bound = QuantTestData.REL_RMS_BOUND.get(type);
        try (GgufFile original = GgufFile.open(QuantTestData.tinyFixture(GgmlType.F32));
             GgufFile quantized = GgufFile.open(QuantTestData.tinyFixture(type))) {
            int checked = 0;
            double worst = 0;
            for (TensorInfo t : quantized.tensors()) {
                if (t.dims() != 2) {
                    continue;
                }
                assertEquals(type, t.type(), t.name());
                TensorInfo o = original.tensor(t.name()).orElseThrow();
                assertEquals(Arrays.toString(o.shape()), Arrays.toString(t.shape()), t.name());
                float[] want = QuantTestData.dequantize(original, o);
                float[] got = QuantTestData.dequantize(quantized, t);
                double err = QuantTestData.relRms(got, want);
                assertTrue(err <= bound, t.name() + ": relative RMS error " + err + " > " + bound);
                worst = Math.max(worst, err);

                checkDotOnEveryRow(quantized.data(t), t, got);

                // Our quantizers follow ggml's choices exactly, so they reproduce llama-quantize's bytes.
                byte[] ours = BlockQuantizer.forType(type).orElseThrow().quantize(want);
                byte[] theirs = quantized.data(t).toArray(ValueLayout.JAVA_BYTE);
                assertEquals(-1, Arrays.mismatch(ours, theirs),
                        t.name() + ": our quantizer differs from llama-quantize at byte " + Arrays.mismatch(ours, theirs));
                checked++;
            }
            assertTrue(checked >= 30, "2-D tensors checked: " + checked);
            System.out.printf("%-7s tensors=%d  worst relative RMS error %.5f (bound %.3f)%n", type, checked, worst, bound);
        }
    }

    /** dot(row) = Σ dequantize(row)·x within 1e-4 of Σ|w·x| (which bounds the float rounding of any order). */
    private static void checkDotOnEveryRow(MemorySegment data, TensorInfo t, float[] dequantized) {
        BlockCodec codec = BlockCodec.of(t.type());
        int cols = Math.toIntExact(t.columns());
        int rows = Math.toIntExact(t.rows());
        long rowBytes = t.type().byteSize(cols);
        float[] x = QuantTestData.gaussian(t.name().hashCode(), cols + 3, 1f);
        for (int r = 0; r < rows; r++) {
            double want = 0;
            double magnitude = 0;
            for (int c = 0; c < cols; c++) {
                double p = (double) dequantized[r * cols + c] * x[3 + c];
                want += p;
                magnitude += Math.abs(p);
            }
            float got = codec.dot(data, r * rowBytes, x, 3, cols);
            assertTrue(Math.abs(got - want) <= 1e-4 * magnitude,
                    t.name() + " row " + r + ": dot " + got + " vs " + want);
        }
    }
}
