package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Makes the {@link WeightMatrix} of each tensor of a model file: in place, on the file's mapping, or — for Q4_0 and
 * Q8_0 matrices where the row kernels run, unless repacking is off — repacked at load into native memory owned by
 * this loader ({@link Rows32}), which decodes faster than ggml's rows.
 *
 * <p>A repacked tensor is read with positional reads, never through the mapping, so its file pages are not mapped
 * into the process as well: resident memory stays the file's size, not twice it. Close the loader (with the model)
 * to free the repacked tensors. Not thread-safe.
 */
public final class WeightLoader implements AutoCloseable {

    /**
     * The default for {@link #WeightLoader(Path, boolean)}'s {@code repack}: on, unless {@code -Dlopper.repack=false}.
     */
    public static boolean repackByDefault() {
        return !"false".equals(System.getProperty("lopper.repack"));
    }

    private final Path file;
    private final boolean repack;
    private final Arena arena = Arena.ofShared();
    private FileChannel channel;
    private ByteBuffer buffer;

    /** A loader for tensors of {@code file}; {@code repack} allows repacking where it applies. */
    public WeightLoader(Path file, boolean repack) {
        this.file = file;
        this.repack = repack;
    }

    /** Whether a matrix of this type and shape is repacked by a loader that may repack. */
    private static boolean repacks(GgmlType type, int rows, int cols) {
        return RowKernel.ENABLED && Rows32.fits(type, rows, cols);
    }

    /**
     * The matrix of a tensor whose data is {@code mapped} (the file's mapping), starting at byte {@code fileOffset}
     * of the file.
     *
     * @throws IOException if reading a tensor to repack fails or finds the file shorter than its data
     */
    public WeightMatrix matrix(String name, GgmlType type, MemorySegment mapped, long fileOffset, int rows, int cols)
            throws IOException {
        if (!repack || !repacks(type, rows, cols)) {
            return new WeightMatrix(name, type, mapped, rows, cols);
        }
        long rowBytes = type.byteSize(cols);
        int groupBytes = Math.toIntExact(Rows32.ROWS * rowBytes);
        MemorySegment dst = arena.allocate((long) rows * rowBytes, 64);
        if (buffer == null || buffer.capacity() < groupBytes) {
            buffer = ByteBuffer.allocateDirect(groupBytes);
        }
        if (channel == null) {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        }
        MemorySegment src = MemorySegment.ofBuffer(buffer.duplicate().clear());
        for (int g = 0; g < rows / Rows32.ROWS; g++) {
            long at = fileOffset + (long) g * groupBytes;
            buffer.clear().limit(groupBytes);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, at + buffer.position()) < 0) {
                    throw new IOException(file.getFileName() + ": tensor '" + name + "': file ends inside its data");
                }
            }
            Rows32.repackGroup(src, 0, rowBytes, cols / type.blockSize(), type.typeSize(), dst, (long) g * groupBytes);
        }
        return new WeightMatrix(name, type, dst, rows, cols, WeightMatrix.Layout.ROWS32);
    }

    /** Frees the repacked tensors (their matrices must no longer be used) and closes the file. Idempotent. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // read-only channel: nothing to flush
            }
            channel = null;
        }
    }
}
