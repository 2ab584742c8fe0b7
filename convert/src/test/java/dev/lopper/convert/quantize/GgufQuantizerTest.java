package dev.lopper.convert.quantize;

import dev.lopper.convert.TestFiles;
import dev.lopper.engine.model.LlamaModel;
import dev.lopper.gguf.GgmlType;
import dev.lopper.gguf.GgufFile;
import dev.lopper.gguf.GgufMetadata;
import dev.lopper.gguf.GgufWriter;
import dev.lopper.gguf.TensorInfo;
import dev.lopper.quant.BlockCodec;
import dev.lopper.quant.ThreadPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class GgufQuantizerTest {
    private static final ValueLayout.OfFloat F32_LE =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static ThreadPool pool;

    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    @BeforeAll
    static void startPool() {
        pool = new ThreadPool(2);
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    /**
     * The largest relative RMS error (‖dequantized − source‖ / ‖source‖ over one tensor) each file type may give a
     * tensor of normally distributed weights: 1.25 times the worst tensor of tiny-f32 quantized with ggml's
     * reference quantizers (measured, the same within 1% on both sources below: Q8_0 0.0054, Q6_K 0.0178,
     * Q5_K 0.036, Q5_1 0.038, Q5_0 0.043, Q4_K 0.072, Q4_1 0.079, Q4_0 0.087, Q3_K 0.152, Q2_K 0.30; in the
     * mixes the worst tensor is one of the base type).
     */
    static Stream<Arguments> bounds() {
        return Stream.of(
                Arguments.of(FileType.Q8_0, 0.0068),
                Arguments.of(FileType.Q6_K, 0.0223),
                Arguments.of(FileType.Q5_1, 0.0475),
                Arguments.of(FileType.Q5_0, 0.054),
                Arguments.of(FileType.Q5_K_S, 0.045),
                Arguments.of(FileType.Q5_K_M, 0.045),
                Arguments.of(FileType.Q4_1, 0.098),
                Arguments.of(FileType.Q4_0, 0.108),
                Arguments.of(FileType.Q4_K_S, 0.09),
                Arguments.of(FileType.Q4_K_M, 0.09),
                Arguments.of(FileType.Q3_K_S, 0.19),
                Arguments.of(FileType.Q3_K_M, 0.19),
                Arguments.of(FileType.Q3_K_L, 0.19),
                Arguments.of(FileType.Q2_K, 0.375));
    }

    /**
     * An F32 model made here from the in-repo Q4_K_M fixture (its weights dequantized by quantize itself to F32, plus
     * noise so that they are not already on a Q4_K grid): what the error bounds are checked on when ../shared is
     * absent.
     */
    private static Path f32Source() throws IOException {
        Path f32 = shared.resolve("tiny-f32-from-q4_k_m.gguf");
        if (Files.exists(f32)) {
            return f32;
        }
        Path dequantized = shared.resolve("dequantized.gguf");
        GgufQuantizer.quantize(TestFiles.inRepo("conformance/tiny-q4_k_m.gguf"), dequantized,
                new GgufQuantizer.Options(FileType.F32, false, null, true), pool, null);
        try (GgufFile f = GgufFile.open(dequantized)) {
            SplittableRandom rnd = new SplittableRandom(12);
            List<GgufWriter.TensorEntry> entries = new ArrayList<>();
            for (TensorInfo t : f.tensors()) {
                assertEquals(GgmlType.F32, t.type(), t.name());
                float[] w = f.data(t).toArray(F32_LE);
                if (t.dims() >= 2) {
                    double rms = Math.sqrt(Arrays.stream(toDoubles(w)).map(x -> x * x).average().orElse(0));
                    for (int i = 0; i < w.length; i++) {
                        w[i] += (float) (0.3 * rms * rnd.nextGaussian());
                    }
                }
                MemorySegment data = MemorySegment.ofArray(new byte[w.length * 4]);
                MemorySegment.copy(w, 0, data, F32_LE, 0, w.length);
                entries.add(new GgufWriter.TensorEntry(t.name(), GgmlType.F32, t.shape(), data));
            }
            GgufWriter.write(f32, 3, f.metadata(), entries);
        }
        Files.delete(dequantized);
        return f32;
    }

    private static double[] toDoubles(float[] w) {
        double[] d = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            d[i] = w[i];
        }
        return d;
    }

    /** tiny-f32 from ../shared when present (normal random weights), else the F32 model made from the fixture. */
    private static Path tinyF32() throws IOException {
        Path s = TestFiles.shared().resolve("fixtures/tiny/tiny-f32.gguf");
        return Files.exists(s) ? s : f32Source();
    }

    @ParameterizedTest
    @MethodSource("bounds")
    void eachTypeStaysWithinItsError(FileType type, double bound) throws Exception {
        Path in = tinyF32();
        Path out = dir.resolve("out.gguf");
        GgufQuantizer.Result r = GgufQuantizer.quantize(in, out, GgufQuantizer.Options.of(type), pool, null);
        assertEquals(Files.size(out), r.outBytes());
        try (GgufFile src = GgufFile.open(in); GgufFile q = GgufFile.open(out)) {
            assertEquals(src.tensors().size(), q.tensors().size());
            double worst = 0;
            for (TensorInfo t : q.tensors()) {
                TensorInfo s = src.tensor(t.name()).orElseThrow();
                assertArrayEquals(s.shape(), t.shape(), t.name());
                if (t.type() == GgmlType.F32) {
                    assertEquals(-1, src.data(s).mismatch(q.data(t)), t.name() + " is copied as it is");
                    continue;
                }
                double err = relativeRms(dequantize(src, s), dequantize(q, t));
                assertTrue(err <= bound, type + " " + t.name() + " (" + t.type() + "): error " + err + " > " + bound);
                worst = Math.max(worst, err);
            }
            // and not far below it: a type with more bits than the file type's would pass the bound alone
            assertTrue(worst > 0.6 * bound, type + ": error " + worst + " is far below " + bound);
            assertEquals(type.id(), q.metadata().getInt("general.file_type"));
            assertEquals(2, q.metadata().getInt("general.quantization_version"));
        }
        try (LlamaModel model = LlamaModel.load(out)) {
            assertEquals(4, model.config().layers().size());
        }
    }

    /** In the repository: the bundled F32 demo model in two of llama-quantize's mixes, where everything falls back. */
    @Test
    void sameBytesAsLlamaQuantizeOnTheDemoModel() throws Exception {
        Path f32 = TestFiles.projectRoot().resolve("models/stories260K.gguf");
        for (var e : Map.of(FileType.Q6_K, "stories260K-q8_0-mix.gguf", FileType.Q4_K_M, "stories260K-q5_0-mix.gguf")
                .entrySet()) {
            Path out = dir.resolve(e.getValue());
            GgufQuantizer.Result r = GgufQuantizer.quantize(f32, out, GgufQuantizer.Options.of(e.getKey()), pool,
                    null);
            assertEquals(-1, Files.mismatch(out, TestFiles.inRepo("models/" + e.getValue())), e.getValue());
            assertEquals(36, r.fallbacks()); // 64 and 172 columns: no k-quant fits, 172 not even Q8_0
        }
    }

    /** With ../shared: tiny-f32 quantized to each pure type is byte for byte llama-quantize's file in ../shared. */
    @Test
    void sameBytesAsLlamaQuantize() throws Exception {
        Path tiny = TestFiles.shared().resolve("fixtures/tiny");
        assumeTrue(Files.isDirectory(tiny), "../shared is absent");
        Map<String, FileType> pure = Map.of("q8_0", FileType.Q8_0, "q4_0", FileType.Q4_0, "q4_1", FileType.Q4_1,
                "q5_0", FileType.Q5_0, "q5_1", FileType.Q5_1, "q2_k", FileType.Q2_K, "q3_k", FileType.Q3_K_M,
                "q4_k", FileType.Q4_K_M, "q5_k", FileType.Q5_K_M, "q6_k", FileType.Q6_K);
        for (var e : pure.entrySet()) {
            Path out = dir.resolve(e.getKey() + ".gguf");
            GgufQuantizer.quantize(tiny.resolve("tiny-f32.gguf"), out,
                    new GgufQuantizer.Options(e.getValue(), true, null, false), pool, null);
            assertEquals(-1, Files.mismatch(out, tiny.resolve("tiny-" + e.getKey() + ".gguf")), e.getKey());
        }
        Path mix = dir.resolve("q4_k_m.gguf");
        GgufQuantizer.quantize(tiny.resolve("tiny-f32.gguf"), mix, GgufQuantizer.Options.of(FileType.Q4_K_M), pool,
                null);
        assertEquals(-1, Files.mismatch(mix, tiny.resolve("tiny-q4_k_m.gguf")));
        Path sheared = dir.resolve("sheared.gguf");
        Path pruned = TestFiles.shared().resolve("fixtures/pruned");
        GgufQuantizer.Result r = GgufQuantizer.quantize(pruned.resolve("sheared-f32.gguf"), sheared,
                GgufQuantizer.Options.of(FileType.Q4_K_M), pool, null);
        assertEquals(-1, Files.mismatch(sheared, pruned.resolve("sheared-q4_k_m.gguf")));
        assertEquals(2, r.fallbacks()); // ffn_down of 640 columns: Q4_K → Q5_0, Q6_K → Q8_0
    }

    @Test
    void gapsAndPerLayerArraysSurvive() throws Exception {
        for (String fixture : List.of("gap-q8_0.gguf", "hetero-q4_k_m.gguf")) {
            Path in = TestFiles.inRepo("conformance/" + fixture);
            Path out = dir.resolve("re-" + fixture);
            GgufQuantizer.quantize(in, out, new GgufQuantizer.Options(FileType.Q8_0, false, null, true), pool, null);
            try (GgufFile src = GgufFile.open(in); GgufFile q = GgufFile.open(out)) {
                GgufMetadata a = src.metadata();
                GgufMetadata b = q.metadata();
                for (String key : a.keys()) {
                    if (!key.equals("general.file_type") && !key.equals("general.quantization_version")) {
                        assertEquals(a.get(key), b.get(key), fixture + " " + key);
                    }
                }
                assertEquals(7, b.getInt("general.file_type"));
                assertEquals(src.tensors().stream().map(TensorInfo::name).sorted().toList(),
                        q.tensors().stream().map(TensorInfo::name).sorted().toList());
            }
            try (LlamaModel a = LlamaModel.load(in); LlamaModel b = LlamaModel.load(out)) {
                assertEquals(a.config().layers(), b.config().layers(), fixture);
                assertEquals(a.config().pruningNotice(), b.config().pruningNotice(), fixture);
            }
        }
        try (GgufFile gap = GgufFile.open(dir.resolve("re-gap-q8_0.gguf"))) {
            assertTrue(gap.tensor("blk.2.attn_q.weight").isEmpty() && gap.tensor("blk.3.attn_q.weight").isPresent());
            assertEquals(6, gap.metadata().getInt("llama.block_count"));
        }
        try (GgufFile hetero = GgufFile.open(dir.resolve("re-hetero-q4_k_m.gguf"))) {
            assertArrayEquals(new int[]{768, 512, 256, 768},
                    hetero.metadata().getIntArray("llama.feed_forward_length"));
        }
    }

    @Test
    void alreadyQuantizedInputIsRefusedUnlessAllowed() throws Exception {
        Path in = TestFiles.inRepo("conformance/tiny-q4_k_m.gguf");
        Path out = dir.resolve("out.gguf");
        var e = assertThrows(IllegalArgumentException.class, () -> GgufQuantizer.quantize(in, out,
                GgufQuantizer.Options.of(FileType.Q8_0), pool, null));
        assertTrue(e.getMessage().contains("already quantized") && e.getMessage().contains("--allow-requantize")
                && e.getMessage().contains("tiny-q4_k_m.gguf"), e.getMessage());
        assertEquals(List.of(), list(dir));
        // the same mix needs no requantizing: every tensor is copied
        GgufQuantizer.Result same = GgufQuantizer.quantize(in, out, GgufQuantizer.Options.of(FileType.Q4_K_M), pool,
                null);
        assertEquals(0, same.converted());
        try (GgufFile a = GgufFile.open(in); GgufFile b = GgufFile.open(out)) {
            for (TensorInfo t : a.tensors()) {
                assertEquals(-1, a.data(t).mismatch(b.data(b.tensor(t.name()).orElseThrow())), t.name());
            }
        }
    }

    @Test
    void theInputIsNeverOverwritten() throws Exception {
        Path in = dir.resolve("in.gguf");
        Files.copy(f32Source(), in);
        byte[] before = Files.readAllBytes(in);
        var e = assertThrows(IllegalArgumentException.class, () -> GgufQuantizer.quantize(in, in,
                GgufQuantizer.Options.of(FileType.Q4_0), pool, null));
        assertTrue(e.getMessage().contains("is the input file"), e.getMessage());
        Path link = Files.createSymbolicLink(dir.resolve("link.gguf"), in);
        assertThrows(IllegalArgumentException.class, () -> GgufQuantizer.quantize(in, link,
                GgufQuantizer.Options.of(FileType.Q4_0), pool, null));
        assertArrayEquals(before, Files.readAllBytes(in));
        assertEquals(List.of("in.gguf", "link.gguf"), list(dir));
    }

    @Test
    void aFailedRunLeavesNothingBehind() throws Exception {
        Path in = f32Source();
        Path out = dir.resolve("out.gguf");
        var failing = (GgufQuantizer.Progress) (done, total, bytesDone, bytesTotal) -> {
            if (done == 7) {
                throw new IllegalStateException("disk full (simulated)");
            }
        };
        assertThrows(IllegalStateException.class, () -> GgufQuantizer.quantize(in, out,
                GgufQuantizer.Options.of(FileType.Q4_K_M), pool, failing));
        assertEquals(List.of(), list(dir));

        // an existing target stays as it was
        Files.writeString(out, "precious");
        assertThrows(IllegalStateException.class, () -> GgufQuantizer.quantize(in, out,
                GgufQuantizer.Options.of(FileType.Q4_K_M), pool, failing));
        assertEquals("precious", Files.readString(out));
        assertEquals(List.of("out.gguf"), list(dir));
    }

    @Test
    void outputTensorTypeAndPure() throws Exception {
        Path in = f32Source();
        Path out = dir.resolve("out.gguf");
        GgufQuantizer.quantize(in, out, new GgufQuantizer.Options(FileType.Q4_K_M, true, GgmlType.Q8_0, false),
                pool, null);
        try (GgufFile q = GgufFile.open(out)) {
            for (TensorInfo t : q.tensors()) {
                GgmlType expected = t.name().equals("output.weight") ? GgmlType.Q8_0
                        : t.name().endsWith("_norm.weight") ? GgmlType.F32 : GgmlType.Q4_K;
                assertEquals(expected, t.type(), t.name());
            }
        }
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static float[] dequantize(GgufFile f, TensorInfo t) {
        float[] out = new float[Math.toIntExact(t.elementCount())];
        BlockCodec.of(t.type()).dequantize(f.data(t), 0, out, 0, out.length);
        return out;
    }

    private static double relativeRms(float[] ref, float[] got) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = (double) got[i] - ref[i];
            num += d * d;
            den += (double) ref[i] * ref[i];
        }
        return Math.sqrt(num / den);
    }
}
