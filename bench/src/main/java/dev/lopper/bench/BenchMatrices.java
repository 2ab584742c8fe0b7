package dev.lopper.bench;

import dev.lopper.gguf.GgmlType;
import dev.lopper.quant.BlockQuantizer;
import dev.lopper.quant.WeightLoader;
import dev.lopper.quant.WeightMatrix;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Weight matrices for the kernel benchmarks, laid out and read like the real thing: valid blocks of the type
 * (our quantizer on Gaussian rows, a few distinct rows tiled), written to a temporary file and memory-mapped.
 * {@code copies} matrices follow each other in the file so that a benchmark can cycle through more bytes than the
 * last-level cache holds (decode streams the whole model from memory every token).
 */
final class BenchMatrices {

    private BenchMatrices() {
    }

    /** Matrices of {@code rows × cols} in one mapped file, enough of them to span at least {@code minBytes}. */
    static WeightMatrix[] mapped(GgmlType type, int rows, int cols, long minBytes, Arena arena) {
        return mapped(type, rows, cols, minBytes, arena, null);
    }

    /**
     * {@link #mapped(GgmlType, int, int, long, Arena)}; with a {@code repacker} (not null), the matrices are made
     * as a model's are, by a {@link WeightLoader} that may repack (Q4_0, Q8_0), which the repacker receives to close
     * after the benchmark.
     */
    static WeightMatrix[] mapped(GgmlType type, int rows, int cols, long minBytes, Arena arena,
                                 Consumer<WeightLoader> repacker) {
        long rowBytes = type.byteSize(cols);
        long one = rowBytes * rows;
        int copies = (int) Math.max(1, (minBytes + one - 1) / one);
        int distinct = 16;
        Random random = new Random(42);
        BlockQuantizer q = BlockQuantizer.forType(type).orElseThrow();
        byte[][] sample = new byte[distinct][];
        for (int i = 0; i < distinct; i++) {
            float[] w = new float[cols];
            for (int c = 0; c < cols; c++) {
                w[c] = (float) (random.nextGaussian() * 0.02);
            }
            sample[i] = q.quantize(w);
        }
        try {
            Path file = Files.createTempFile("lopper-bench-" + type, ".bin");
            file.toFile().deleteOnExit();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
                for (long r = 0; r < (long) rows * copies; r++) {
                    ByteBuffer b = ByteBuffer.wrap(sample[(int) ((r * 7 + r / distinct) % distinct)]);
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                }
                MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, one * copies, arena);
                WeightLoader loader = repacker == null ? null : new WeightLoader(file, true);
                WeightMatrix[] out = new WeightMatrix[copies];
                for (int i = 0; i < copies; i++) {
                    String name = type + "#" + i;
                    MemorySegment data = all.asSlice(i * one, one);
                    out[i] = loader == null ? new WeightMatrix(name, type, data, rows, cols)
                            : loader.matrix(name, type, data, i * one, rows, cols);
                }
                if (loader != null) {
                    repacker.accept(loader);
                }
                Files.deleteIfExists(file);
                return out;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static float[] gaussian(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }
}
