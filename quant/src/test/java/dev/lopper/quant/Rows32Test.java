package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import jdk.incubator.vector.FloatVector;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Q4_0 and Q8_0 repacked for 32 rows ({@link Rows32}) against the same matrix in ggml's layout: the same weights bit
 * for bit, decode results within float rounding of the ggml kernel and of the exact sum, prompt (batched) results
 * bit for bit equal, and the loader's positional reads. Run at 256 and 512 bits like {@link KernelTest}.
 */
class Rows32Test {

    private static final GgmlType Q4_0 = GgmlType.Q4_0;

    static GgmlType[] types() {
        return new GgmlType[]{GgmlType.Q4_0, GgmlType.Q8_0};
    }
    private static final boolean EMULATED = RowKernel.BITS > FloatVector.SPECIES_PREFERRED.vectorBitSize();

    private static ThreadPool one;
    private static ThreadPool two;

    @BeforeAll
    static void pools() {
        one = new ThreadPool(1);
        two = new ThreadPool(2);
    }

    @AfterAll
    static void close() {
        one.close();
        two.close();
    }

    /** Random blocks (every quant value: nibbles, or −128..127) with finite scales of both signs. */
    private static byte[] randomBlocks(GgmlType type, int rows, int cols, long seed) {
        Random r = new Random(seed);
        byte[] bytes = new byte[Math.toIntExact(rows * type.byteSize(cols))];
        r.nextBytes(bytes);
        int size = type.typeSize();
        for (int b = 0; b < bytes.length / size; b++) {
            short half = Float.floatToFloat16((float) (r.nextDouble() * 0.02 - 0.005));
            bytes[b * size] = (byte) half;
            bytes[b * size + 1] = (byte) (half >> 8);
        }
        return bytes;
    }

    /** A random matrix of {@code type} in ggml's layout and repacked. */
    private static WeightMatrix[] both(Arena arena, GgmlType type, int rows, int cols, long seed) {
        MemorySegment seg = ggml(arena, randomBlocks(type, rows, cols, seed));
        return new WeightMatrix[]{new WeightMatrix("w", type, seg, rows, cols),
                new WeightMatrix("w", type, repacked(arena, type, seg, rows, cols), rows, cols,
                        WeightMatrix.Layout.ROWS32)};
    }

    private static MemorySegment ggml(Arena arena, byte[] bytes) {
        MemorySegment seg = arena.allocate(bytes.length + 3L).asSlice(3);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, seg, 0, bytes.length);
        return seg;
    }

    private static MemorySegment repacked(Arena arena, GgmlType type, MemorySegment ggml, int rows, int cols) {
        long rowBytes = type.byteSize(cols);
        MemorySegment dst = arena.allocate(rows * rowBytes, 64);
        for (int g = 0; g < rows / 32; g++) {
            Rows32.repackGroup(ggml, g * 32 * rowBytes, rowBytes, cols / 32, type.typeSize(), dst, g * 32 * rowBytes);
        }
        return dst;
    }

    private static void dequantizeGroup(WeightMatrix m, long offset, float[] y) {
        if (m.type() == Q4_0) {
            Q4_0Rows32.dequantizeGroup(m.data(), offset, m.cols(), y);
        } else {
            Q8_0Rows32.dequantizeGroup(m.data(), offset, m.cols(), y);
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    void repackedRowsDequantizeToTheSameBits(GgmlType type) {
        int rows = 64;
        int cols = 96;
        try (Arena arena = Arena.ofConfined()) {
            WeightMatrix[] m = both(arena, type, rows, cols, 1);
            WeightMatrix plain = m[0];
            WeightMatrix packed = m[1];
            float[] want = new float[cols];
            float[] got = new float[cols];
            float[] group = new float[32 * cols];
            for (int r = 0; r < rows; r++) {
                plain.row(r, want, 0);
                packed.row(r, got, 0);
                assertArrayEquals(want, got, "row " + r);
                if (r % 32 == 0) {
                    dequantizeGroup(packed, r * plain.rowBytes(), group);
                }
                for (int c = 0; c < cols; c++) {
                    assertEquals(Float.floatToRawIntBits(want[c]), Float.floatToRawIntBits(group[c * 32 + r % 32]),
                            "group dequantization, row " + r + " col " + c);
                }
            }
        }
    }

    /** The repacked kernel's matrix × vector against the ggml kernel's and the exact Σ w·x̂, 1 and 2 threads. */
    @ParameterizedTest
    @MethodSource("types")
    void decodeMatchesTheGgmlLayout(GgmlType type) {
        for (int cols : EMULATED ? new int[]{64} : new int[]{64, 2048, 5504}) {
            for (int rows : EMULATED ? new int[]{32} : new int[]{32, 96}) {
                byte[] bytes = randomBlocks(type, rows, cols, rows * 7L + cols);
                float[] x = QuantTestData.gaussian(cols, cols, 1f);
                checkDecode(type, bytes, rows, cols, x);
                float[] saturated = new float[cols]; // activations at the int8 extremes
                for (int i = 0; i < cols; i++) {
                    saturated[i] = i % 2 == 0 ? 127f : -127f;
                }
                checkDecode(type, bytes, rows, cols, saturated);
            }
        }
    }

    /**
     * The limit cases of the 16-bit sums, all activations 127 (x̂ = 1 · 127): Q4_0 with every quant 0 (q − 8 = −8),
     * each lane ending a block at −32512; Q8_0 with every quant −128, each pair of products at −32512.
     */
    @ParameterizedTest
    @MethodSource("types")
    void extremeBlocksStayExact(GgmlType type) {
        int rows = 32;
        int cols = 64;
        int size = type.typeSize();
        byte[] bytes = new byte[Math.toIntExact(rows * type.byteSize(cols))];
        int q = type == Q4_0 ? 0 : -128;
        Arrays.fill(bytes, (byte) (type == Q4_0 ? 0 : 0x80));
        for (int b = 0; b < bytes.length / size; b++) {
            short one = Float.floatToFloat16(1f);
            bytes[b * size] = (byte) one;
            bytes[b * size + 1] = (byte) (one >> 8);
        }
        float[] x = new float[cols];
        Arrays.fill(x, 1f);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment seg = ggml(arena, bytes);
            WeightMatrix packed = new WeightMatrix("w", type, repacked(arena, type, seg, rows, cols), rows, cols,
                    WeightMatrix.Layout.ROWS32);
            float[] out = new float[rows];
            new MatMul(one, cols).multiply(packed, new Activations(cols, 1).set(x, cols, 1), out);
            float[] want = new float[rows];
            Arrays.fill(want, (type == Q4_0 ? q - 8 : q) * (float) cols);
            assertArrayEquals(want, out);
        }
    }

    private static void checkDecode(GgmlType type, byte[] bytes, int rows, int cols, float[] x) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment seg = ggml(arena, bytes);
            WeightMatrix plain = new WeightMatrix("w", type, seg, rows, cols);
            WeightMatrix packed = new WeightMatrix("w", type, repacked(arena, type, seg, rows, cols), rows, cols,
                    WeightMatrix.Layout.ROWS32);
            RowKernel want = type == Q4_0
                    ? RowKernel.BITS == 512 ? Q4_0Rows32Kernel512.INSTANCE : Q4_0Rows32Kernel256.INSTANCE
                    : RowKernel.BITS == 512 ? Q8_0Rows32Kernel512.INSTANCE : Q8_0Rows32Kernel256.INSTANCE;
            assertSame(want, MatMul.kernelFor(packed));
            float[] deq = new float[rows * cols];
            BlockCodec.of(type).dequantize(seg, 0, deq, 0, deq.length);
            Activations a = new Activations(cols, 1).set(x, cols, 1);
            a.quantize();
            for (ThreadPool pool : new ThreadPool[]{one, two}) {
                float[] got = new float[rows + 1];
                float[] ref = new float[rows];
                MatMul mm = new MatMul(pool, cols);
                mm.multiply(packed, a, got);
                mm.multiply(plain, a, ref);
                for (int r = 0; r < rows; r++) {
                    double exactHat = 0;
                    double magnitude = 0;
                    for (int c = 0; c < cols; c++) {
                        double p = (double) deq[r * cols + c] * a.scale[c / 32] * a.q[c];
                        exactHat += p;
                        magnitude += Math.abs(p);
                    }
                    String where = type + " " + rows + "x" + cols + " row " + r + " threads " + pool.size();
                    assertTrue(Math.abs(got[r] - exactHat) <= 1e-5 * magnitude + 1e-30,
                            where + ": " + got[r] + " vs exact " + exactHat);
                    assertTrue(Math.abs(got[r] - ref[r]) <= 2e-5 * magnitude + 1e-30,
                            where + ": " + got[r] + " vs ggml layout " + ref[r]);
                }
                assertEquals(0f, got[rows], "wrote past its output range");
            }
        }
    }

    /**
     * The batched path reads a repacked matrix group by group and gives the ggml layout's results bit for bit:
     * the same weights, the same sums in the same order. Batches of 5, 37 and 70 leave tokens beyond the last full
     * tile of {@link PrefillTiles#COLUMN_TOKENS}.
     */
    @ParameterizedTest
    @MethodSource("types")
    void batchedMatchesTheGgmlLayoutBitForBit(GgmlType type) {
        int cols = EMULATED ? 64 : 512;
        int rows = 64;
        try (Arena arena = Arena.ofShared()) {
            WeightMatrix[] m = both(arena, type, rows, cols, 9);
            WeightMatrix plain = m[0];
            WeightMatrix packed = m[1];
            for (ThreadPool pool : new ThreadPool[]{one, two}) {
                MatMul mm = new MatMul(pool, cols);
                Activations in = new Activations(cols, 70);
                for (int batch : new int[]{37, 5, 70}) {
                    float[] x = QuantTestData.gaussian(batch, batch * cols, 1f);
                    float[] got = new float[rows * batch];
                    float[] want = new float[rows * batch];
                    mm.multiply(packed, in.set(x, cols, batch), got);
                    mm.multiply(plain, in.set(x, cols, batch), want);
                    assertArrayEquals(want, got, type + " batch " + batch + ", threads " + pool.size());
                }
            }
        }
    }

    /** A grouped multiply mixing repacked matrices of both types with a ggml one equals the matrices one by one. */
    @Test
    void groupedMultiplyMixesLayouts() {
        int cols = 256;
        try (Arena arena = Arena.ofShared()) {
            WeightMatrix[] ws = {both(arena, Q4_0, 96, cols, 3)[1], both(arena, GgmlType.Q8_0, 64, cols, 4)[1],
                    new WeightMatrix("b", Q4_0, ggml(arena, randomBlocks(Q4_0, 41, cols, 4)), 41, cols)};
            float[] x = QuantTestData.gaussian(5, cols, 1f);
            for (ThreadPool pool : new ThreadPool[]{one, two}) {
                MatMul mm = new MatMul(pool, cols);
                Activations a = new Activations(cols, 1).set(x, cols, 1);
                float[][] outs = {new float[96], new float[64], new float[41]};
                mm.multiply(ws, a, outs);
                for (int i = 0; i < ws.length; i++) {
                    float[] alone = new float[ws[i].rows()];
                    mm.multiply(ws[i], a, alone);
                    assertArrayEquals(alone, outs[i], ws[i].type() + " " + ws[i].layout());
                }
            }
        }
    }

    /** The loader repacks from positional reads of the file, and names the tensor of a file cut short. */
    @Test
    void loaderReadsTheFileAndRefusesAShortOne(@TempDir Path dir) throws IOException {
        int rows = 64;
        int cols = 128;
        byte[] bytes = randomBlocks(Q4_0, rows, cols, 5);
        Path file = dir.resolve("w.bin");
        byte[] withHeader = new byte[bytes.length + 100];
        System.arraycopy(bytes, 0, withHeader, 100, bytes.length);
        Files.write(file, withHeader);
        try (Arena arena = Arena.ofConfined(); WeightLoader loader = new WeightLoader(file, true)) {
            MemorySegment seg = ggml(arena, bytes);
            WeightMatrix m = loader.matrix("blk.0.ffn_up.weight", Q4_0, seg, 100, rows, cols);
            assertEquals(WeightMatrix.Layout.ROWS32, m.layout());
            float[] want = new float[cols];
            float[] got = new float[cols];
            for (int r = 0; r < rows; r++) {
                new WeightMatrix("w", Q4_0, seg, rows, cols).row(r, want, 0);
                m.row(r, got, 0);
                assertArrayEquals(want, got, "row " + r);
            }
            assertEquals(WeightMatrix.Layout.GGML, loader.matrix("odd", Q4_0, seg, 100, 33, cols).layout(),
                    "33 rows are not whole groups");
            IOException e = assertThrows(IOException.class,
                    () -> loader.matrix("blk.1.ffn_up.weight", Q4_0, seg, 200, rows, cols));
            assertTrue(e.getMessage().contains("w.bin") && e.getMessage().contains("blk.1.ffn_up.weight"),
                    e.getMessage());
        }
        try (Arena arena = Arena.ofConfined(); WeightLoader off = new WeightLoader(file, false)) {
            assertEquals(WeightMatrix.Layout.GGML,
                    off.matrix("w", Q4_0, ggml(arena, bytes), 100, rows, cols).layout());
        }
    }
}
