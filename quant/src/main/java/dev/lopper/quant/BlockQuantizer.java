package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * Float → blocks of one ggml type, ported from ggml's reference quantizers without an importance matrix
 * ({@code quantize_row_*_ref}; for IQ4_NL {@code quantize_iq4_nl}, which is what llama-quantize uses). On the shared
 * fixtures the output is byte for byte what llama-quantize wrote; callers should rely only on it being a valid block
 * stream that {@link BlockCodec#of(GgmlType)} reads back. Every type with a codec has a quantizer. Not a hot path:
 * it allocates a little scratch per call.
 */
public interface BlockQuantizer {

    GgmlType type();

    /**
     * Quantizes {@code src[srcOffset .. srcOffset+n)} ({@code n} a multiple of the block size) into
     * {@code type().byteSize(n)} bytes of {@code dst} starting at {@code dstOffset}.
     */
    void quantize(float[] src, int srcOffset, int n, MemorySegment dst, long dstOffset);

    /** Quantizes all of {@code src} into a new array of {@code type().byteSize(src.length)} bytes. */
    default byte[] quantize(float[] src) {
        byte[] out = new byte[Math.toIntExact(type().byteSize(src.length))];
        quantize(src, 0, src.length, MemorySegment.ofArray(out), 0);
        return out;
    }

    /** The quantizer for a type, if there is one. */
    static Optional<BlockQuantizer> forType(GgmlType type) {
        return BlockCodec.isSupported(type) && BlockCodec.of(type) instanceof BlockQuantizer q
                ? Optional.of(q) : Optional.empty();
    }
}
