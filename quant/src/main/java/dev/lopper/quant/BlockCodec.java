package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * Reads one ggml tensor type in place: every supported {@link GgmlType} has exactly one codec class, named after
 * the type ({@code Q4_KCodec} for {@code Q4_K}), implementing ggml's block struct from ggml-common.h bit for bit.
 *
 * <p>{@code src} is a (typically read-only, mapped) little-endian segment; {@code offset} is the byte offset of the
 * first block; {@code n} must be a multiple of the type's {@link GgmlType#blockSize() block size}. Nothing is copied
 * to the heap beyond the destination and a small per-thread scratch; all methods are thread-safe.
 */
public sealed interface BlockCodec
        permits F32Codec, HalfCodec,
                Q4_0Codec, Q4_1Codec, Q5_0Codec, Q5_1Codec, Q8_0Codec,
                Q2_KCodec, Q3_KCodec, Q4_KCodec, Q5_KCodec, Q6_KCodec,
                IQ4_NLCodec, IQ4_XSCodec {

    GgmlType type();

    /** Dequantizes n elements (n a multiple of the block size) starting at byte `offset` of `src` into dst[dstOffset..]. */
    void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int n);

    /** Σ w[i]·x[xOffset+i] over n elements of the row starting at byte `offset`. */
    float dot(MemorySegment src, long offset, float[] x, int xOffset, int n);

    /** The codec for a type; throws UnsupportedTypeException (an IllegalArgumentException naming the type) if none. */
    static BlockCodec of(GgmlType type) {
        return switch (type) {
            case F32 -> F32Codec.INSTANCE;
            case F16 -> F16Codec.INSTANCE;
            case BF16 -> BF16Codec.INSTANCE;
            case Q4_0 -> Q4_0Codec.INSTANCE;
            case Q4_1 -> Q4_1Codec.INSTANCE;
            case Q5_0 -> Q5_0Codec.INSTANCE;
            case Q5_1 -> Q5_1Codec.INSTANCE;
            case Q8_0 -> Q8_0Codec.INSTANCE;
            case Q2_K -> Q2_KCodec.INSTANCE;
            case Q3_K -> Q3_KCodec.INSTANCE;
            case Q4_K -> Q4_KCodec.INSTANCE;
            case Q5_K -> Q5_KCodec.INSTANCE;
            case Q6_K -> Q6_KCodec.INSTANCE;
            case IQ4_NL -> IQ4_NLCodec.INSTANCE;
            case IQ4_XS -> IQ4_XSCodec.INSTANCE;
            default -> throw new UnsupportedTypeException(type);
        };
    }

    static boolean isSupported(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS -> true;
            default -> false;
        };
    }
}
