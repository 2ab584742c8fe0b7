package dev.lopper.quant;

import java.lang.foreign.MemorySegment;

/**
 * A vectorized {@link BlockCodec#dequantize} of whole rows for the prompt-processing tiles, bit for bit equal to it
 * (the same float operations per weight: exact int → float conversions, then the codec's multiply and subtract,
 * never a fused multiply-add). Implemented by the codecs of the most used types; package-private.
 */
interface RowDequantizer {

    /** Dequantizes the {@code cols} weights of the row at byte {@code offset} of a native segment into {@code y[yo..]}. */
    void dequantizeRow(MemorySegment w, long offset, int cols, float[] y, int yo);
}
