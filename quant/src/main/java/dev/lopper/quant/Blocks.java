package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * The loops every block codec shares: copy up to {@link #CHUNK_BYTES} of blocks from the segment into this thread's
 * scratch array, then decode them ({@code dequantize}), or decode up to {@link #CHUNK_WEIGHTS} weights into float
 * scratch and take a vector dot product with x ({@code dot}). Nothing is allocated per call.
 *
 * <p>Why copy: reading a segment element by element (or with {@code FloatVector.fromMemorySegment}) is fast only
 * while the JIT sees one segment class at each access site; once heap and mapped segments both pass through (tests,
 * model synthesis), such code slows down 2-5×. A bulk {@code MemorySegment.copy} of a few KB into an array is a
 * memcpy whatever the segment, and array code compiles well.
 */
final class Blocks {

    static final int CHUNK_BYTES = 4096;
    static final int CHUNK_WEIGHTS = 1024;

    /** Per-thread arrays that chunks of the segment are copied into (the codecs compute on arrays only). */
    static final class Scratch {
        final byte[] bytes = new byte[CHUNK_BYTES];
        final short[] halves = new short[CHUNK_WEIGHTS];
        final float[] weights = new float[CHUNK_WEIGHTS];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Blocks() {
    }

    /** This thread's scratch. */
    static Scratch scratch() {
        return SCRATCH.get();
    }

    static void dequantize(BlockFormat format, GgmlType type, MemorySegment src, long offset,
                           float[] dst, int dstOffset, int n) {
        int nb = Blocks.count(type, n, dst, dstOffset);
        byte[] bytes = SCRATCH.get().bytes;
        int perChunk = CHUNK_BYTES / type.typeSize();
        for (int done = 0; done < nb; ) {
            int count = Math.min(perChunk, nb - done);
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, offset + (long) done * type.typeSize(), bytes, 0,
                    count * type.typeSize());
            format.decodeBlocks(bytes, count, dst, dstOffset + done * type.blockSize());
            done += count;
        }
    }

    static float dot(BlockFormat format, GgmlType type, MemorySegment src, long offset,
                     float[] x, int xOffset, int n) {
        int nb = Blocks.count(type, n, x, xOffset);
        Scratch scratch = SCRATCH.get();
        int perChunk = CHUNK_WEIGHTS / type.blockSize();
        float sum = 0;
        for (int done = 0; done < nb; ) {
            int count = Math.min(perChunk, nb - done);
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, offset + (long) done * type.typeSize(), scratch.bytes, 0,
                    count * type.typeSize());
            format.decodeBlocks(scratch.bytes, count, scratch.weights, 0);
            sum += ArrayLanes.dot(scratch.weights, 0, x, xOffset + done * type.blockSize(), count * type.blockSize());
            done += count;
        }
        return sum;
    }

    static void quantize(BlockFormat format, GgmlType type, float[] src, int srcOffset, int n,
                         MemorySegment dst, long dstOffset) {
        int nb = Blocks.count(type, n, src, srcOffset);
        byte[] block = new byte[type.typeSize()];
        for (int b = 0; b < nb; b++) {
            format.encodeBlock(src, srcOffset + b * type.blockSize(), block);
            MemorySegment.copy(block, 0, dst, ValueLayout.JAVA_BYTE, dstOffset + (long) b * type.typeSize(),
                    block.length);
        }
    }

    /**
     * The number of blocks in {@code n} elements of {@code type}, after checking that {@code n} is a non-negative
     * multiple of the block size and that {@code array[arrayOffset .. arrayOffset+n)} is in bounds.
     */
    static int count(GgmlType type, int n, float[] array, int arrayOffset) {
        if (n < 0 || n % type.blockSize() != 0) {
            throw new IllegalArgumentException(
                    n + " elements is not a multiple of the " + type + " block size " + type.blockSize());
        }
        Objects.checkFromIndexSize(arrayOffset, n, array.length);
        return n / type.blockSize();
    }
}
