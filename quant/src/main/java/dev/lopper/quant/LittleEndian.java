package dev.lopper.quant;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Little-endian field access (GGUF's byte order): layouts for reading segments, and helpers for one block held in a
 * {@code byte[]}
 * (the block codecs copy blocks out of the segment in bulk and decode them from an array).
 */
final class LittleEndian {

    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ORDER);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ORDER);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ORDER);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ORDER);

    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private LittleEndian() {
    }

    /** {@code uint8_t} */
    static int u8(byte[] b, int i) {
        return b[i] & 0xFF;
    }

    /** {@code int8_t} */
    static int i8(byte[] b, int i) {
        return b[i];
    }

    /** {@code uint16_t} */
    static int u16(byte[] b, int i) {
        return (short) SHORT.get(b, i) & 0xFFFF;
    }

    /** {@code uint32_t}, as raw int bits */
    static int u32(byte[] b, int i) {
        return (int) INT.get(b, i);
    }

    /** {@code ggml_half} */
    static float f16(byte[] b, int i) {
        return Float.float16ToFloat((short) SHORT.get(b, i));
    }

    static void putU16(byte[] b, int i, int value) {
        SHORT.set(b, i, (short) value);
    }

    static void putU32(byte[] b, int i, int value) {
        INT.set(b, i, value);
    }

    /** Stores a {@code ggml_half}, rounding to nearest even (GGML_FP32_TO_FP16). */
    static void putF16(byte[] b, int i, float value) {
        SHORT.set(b, i, Float.floatToFloat16(value));
    }
}
