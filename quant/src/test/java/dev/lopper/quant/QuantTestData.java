package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;
import dev.lopper.gguf.GgufFile;
import dev.lopper.gguf.TensorInfo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;

/** Test data locations, the per-type error bounds, and small numeric helpers. */
final class QuantTestData {

    private QuantTestData() {
    }

    /** The types of the fixture set, in the README's order. */
    static final GgmlType[] FIXTURE_TYPES = {
            GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0,
            GgmlType.Q5_1, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K,
            GgmlType.IQ4_NL, GgmlType.IQ4_XS};

    /**
     * Upper bounds on ‖dequantized − original‖ / ‖original‖ per tensor, about 20% above the worst that the
     * fixtures (llama-quantize output) and our quantizers on Gaussian weights measure; see docs/quant-types.md.
     * A wrong layout lands near 1 or above.
     */
    static final Map<GgmlType, Double> REL_RMS_BOUND = new EnumMap<>(Map.ofEntries(
            //                               worst measured: fixtures, Gaussian round trip
            Map.entry(GgmlType.F32, 0.0),
            Map.entry(GgmlType.F16, 3e-4),    // 0.00021, 0.00021
            Map.entry(GgmlType.BF16, 2.5e-3), // 0.00168, 0.00169
            Map.entry(GgmlType.Q8_0, 0.007),  // 0.00538, 0.00526
            Map.entry(GgmlType.Q6_K, 0.022),  // 0.0178,  0.0180
            Map.entry(GgmlType.Q5_K, 0.044),  // 0.0364,  0.0364
            Map.entry(GgmlType.Q5_1, 0.046),  // 0.0380,  0.0382
            Map.entry(GgmlType.Q5_0, 0.053),  // 0.0431,  0.0440
            Map.entry(GgmlType.Q4_K, 0.087),  // 0.0715,  0.0726
            Map.entry(GgmlType.IQ4_NL, 0.09), // 0.0764,  0.0748
            Map.entry(GgmlType.IQ4_XS, 0.092),// 0.0771,  0.0767
            Map.entry(GgmlType.Q4_1, 0.095),  // 0.0785,  0.0785
            Map.entry(GgmlType.Q4_0, 0.105),  // 0.0865,  0.0882
            Map.entry(GgmlType.Q3_K, 0.18),   // 0.152,   0.152
            Map.entry(GgmlType.Q2_K, 0.36))); // 0.299,   0.301

    /** {@code /work/shared} as seen from the module directory ({@code ../../shared}). */
    static Path shared() {
        return Path.of("").toAbsolutePath().resolve("../../shared").normalize();
    }

    static Path tinyFixture(GgmlType type) {
        return shared().resolve("fixtures/tiny/tiny-" + type.name().toLowerCase() + ".gguf");
    }

    static boolean hasShared() {
        return Files.isRegularFile(tinyFixture(GgmlType.F32));
    }

    /** The in-repo subset file for a type (see src/test/resources/tiny-subset/README.md). */
    static Path subset(String name) {
        try {
            return Path.of(QuantTestData.class.getResource("/tiny-subset/" + name).toURI());
        } catch (Exception e) {
            throw new IllegalStateException("missing test resource tiny-subset/" + name, e);
        }
    }

    /** Dequantizes a whole tensor. */
    static float[] dequantize(GgufFile file, TensorInfo t) {
        float[] out = new float[Math.toIntExact(t.elementCount())];
        BlockCodec.of(t.type()).dequantize(file.data(t), 0, out, 0, out.length);
        return out;
    }

    static double relRms(float[] actual, float[] expected) {
        double err = 0;
        double ref = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = (double) actual[i] - expected[i];
            err += d * d;
            ref += (double) expected[i] * expected[i];
        }
        return ref == 0 ? Math.sqrt(err) : Math.sqrt(err / ref);
    }

    static float[] gaussian(long seed, int n, float sigma) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * sigma);
        }
        return x;
    }
}
