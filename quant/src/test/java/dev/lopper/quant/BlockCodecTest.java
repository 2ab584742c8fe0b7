package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.EnumSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The API contract: lookup, argument checks, and the vector paths of the 16-bit and 32-bit float types. */
class BlockCodecTest {

    private static final Set<GgmlType> SUPPORTED = EnumSet.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16,
            GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0, GgmlType.Q2_K, GgmlType.Q3_K,
            GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_NL, GgmlType.IQ4_XS);

    static GgmlType[] supported() {
        return SUPPORTED.toArray(GgmlType[]::new);
    }

    @ParameterizedTest
    @EnumSource(GgmlType.class)
    void lookupCoversExactlyTheSupportedTypes(GgmlType type) {
        assertEquals(SUPPORTED.contains(type), BlockCodec.isSupported(type));
        assertEquals(SUPPORTED.contains(type), BlockQuantizer.forType(type).isPresent());
        if (SUPPORTED.contains(type)) {
            BlockCodec codec = BlockCodec.of(type);
            assertSame(type, codec.type());
            assertSame(codec, BlockCodec.of(type));
            assertSame(type, BlockQuantizer.forType(type).orElseThrow().type());
            assertTrue(codec.getClass().getSimpleName().equals(type.name() + "Codec"), codec.getClass().getName());
        } else {
            UnsupportedTypeException e = assertThrows(UnsupportedTypeException.class, () -> BlockCodec.of(type));
            assertTrue(e.getMessage().contains(type.name()), e.getMessage());
            assertSame(type, e.type());
            assertTrue(e instanceof IllegalArgumentException);
        }
    }

    @ParameterizedTest
    @MethodSource("supported")
    void rejectsPartialBlocksAndShortArrays(GgmlType type) {
        BlockCodec codec = BlockCodec.of(type);
        MemorySegment data = MemorySegment.ofArray(new byte[Math.toIntExact(type.byteSize(512))]);
        int n = 256;
        if (type.blockSize() > 1) {
            assertThrows(IllegalArgumentException.class, () -> codec.dequantize(data, 0, new float[512], 0, n + 16));
            assertThrows(IllegalArgumentException.class, () -> codec.dot(data, 0, new float[512], 0, n - 16));
        }
        assertThrows(IndexOutOfBoundsException.class, () -> codec.dequantize(data, 0, new float[n], 1, n));
        assertThrows(IndexOutOfBoundsException.class, () -> codec.dot(data, 0, new float[n], 1, n));
        assertThrows(IndexOutOfBoundsException.class,
                () -> codec.dequantize(data, data.byteSize() - 1, new float[n], 0, n));
        assertEquals(0f, codec.dot(data, 0, new float[0], 0, 0));
    }

    @ParameterizedTest
    @MethodSource("supported")
    void dotSpansManyScratchChunksAndOffsets(GgmlType type) {
        int n = 3 * Blocks.CHUNK_WEIGHTS + 512; // crosses the per-thread scratch size
        int skip = 256;                // start one 256-weight stretch into the row
        float[] w = QuantTestData.gaussian(11, skip + n, 0.5f);
        byte[] bytes = BlockQuantizer.forType(type).orElseThrow().quantize(w);
        MemorySegment data = MemorySegment.ofArray(bytes);
        float[] deq = new float[skip + n];
        BlockCodec codec = BlockCodec.of(type);
        codec.dequantize(data, 0, deq, 0, deq.length);
        float[] x = QuantTestData.gaussian(12, n + 9, 1f);
        double want = 0;
        double magnitude = 0;
        for (int i = 0; i < n; i++) {
            want += (double) deq[skip + i] * x[9 + i];
            magnitude += Math.abs((double) deq[skip + i] * x[9 + i]);
        }
        float got = codec.dot(data, type.byteSize(skip), x, 9, n);
        assertTrue(Math.abs(got - want) <= 1e-5 * magnitude, type + ": " + got + " vs " + want);
    }

    @Test
    void everyHalfDecodesExactly() {
        MemorySegment all = MemorySegment.ofArray(new short[65536 + 1]); // + 1: odd byte offset below
        for (int i = 0; i < 65536; i++) {
            all.set(LittleEndian.I16, 2L + 2L * i - 1, (short) i);
        }
        float[] f16 = new float[65536];
        float[] bf16 = new float[65536];
        BlockCodec.of(GgmlType.F16).dequantize(all, 1, f16, 0, 65536);
        BlockCodec.of(GgmlType.BF16).dequantize(all, 1, bf16, 0, 65536);
        for (int i = 0; i < 65536; i++) {
            float want = Float.float16ToFloat((short) i);
            if (Float.isNaN(want)) { // NaN payloads and quietness are not part of the contract
                assertTrue(Float.isNaN(f16[i]), "half 0x" + Integer.toHexString(i));
            } else {
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(f16[i]), "half 0x" + Integer.toHexString(i));
            }
            assertEquals(i << 16, Float.floatToRawIntBits(bf16[i]), "bf16 0x" + Integer.toHexString(i));
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16"})
    void floatDotsHandleEveryTailLength(GgmlType type) {
        BlockQuantizer q = BlockQuantizer.forType(type).orElseThrow();
        BlockCodec codec = BlockCodec.of(type);
        try (Arena arena = Arena.ofConfined()) {
            for (int n = 0; n <= 70; n++) {
                float[] w = QuantTestData.gaussian(n, n, 1f);
                byte[] bytes = q.quantize(w);
                MemorySegment native_ = arena.allocate(bytes.length + 3L);
                MemorySegment.copy(MemorySegment.ofArray(bytes), 0, native_, 3, bytes.length); // unaligned
                float[] deq = new float[n];
                codec.dequantize(native_, 3, deq, 0, n);
                float[] x = QuantTestData.gaussian(100 + n, n + 1, 1f);
                double want = 0;
                double magnitude = 0;
                for (int i = 0; i < n; i++) {
                    want += (double) deq[i] * x[1 + i];
                    magnitude += Math.abs((double) deq[i] * x[1 + i]);
                }
                float got = codec.dot(native_, 3, x, 1, n);
                assertTrue(Math.abs(got - want) <= 1e-5 * magnitude + 1e-30, type + " n=" + n);
            }
        }
    }

    @Test
    void readsLittleEndianWhateverTheHost() {
        MemorySegment s = MemorySegment.ofArray(new byte[8]);
        s.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, 1.5f);
        s.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4, Float.floatToFloat16(-2f));
        float[] out = new float[1];
        BlockCodec.of(GgmlType.F32).dequantize(s, 0, out, 0, 1);
        assertEquals(1.5f, out[0]);
        BlockCodec.of(GgmlType.F16).dequantize(s, 4, out, 0, 1);
        assertEquals(-2f, out[0]);
        assertFalse(BlockCodec.isSupported(GgmlType.Q8_K));
    }
}
