package dev.lopper.quant;

/**
 * One block layout, worked on a block at a time in a {@code byte[]} ({@link Blocks} moves the bytes between the
 * segment and the array in bulk). Implemented by each block codec; package-private.
 */
interface BlockFormat {

    /** Decodes {@code count} consecutive blocks starting at {@code blocks[0]} into {@code y[yo..]}. */
    void decodeBlocks(byte[] blocks, int count, float[] y, int yo);

    /** Encodes one block from {@code x[xo..]} into {@code block[0 .. typeSize)} (all bytes written). */
    void encodeBlock(float[] x, int xo, byte[] block);
}
