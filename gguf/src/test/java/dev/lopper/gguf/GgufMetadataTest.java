package dev.lopper.gguf;

import dev.lopper.gguf.MetadataValue.ArrayValue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lopper.gguf.MetadataValue.IntValue;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class GgufMetadataTest {
    private static final GgufMetadata MD = GgufMetadata.builder()
            .putUint8("u8", 200)
            .putInt8("i8", (byte) -5)
            .putUint16("u16", 60000)
            .putInt16("i16", (short) -300)
            .putUint32("u32", 4000000000L)
            .putUint32("u32small", 7)
            .putInt32("i32", -7)
            .putUint64("u64max", -1L)
            .putUint64("u64", 12)
            .putInt64("i64big", 1L << 40)
            .putInt64("i64", -9)
            .putFloat32("f32", 1.5f)
            .putFloat64("f64", 0.1)
            .putBool("bool", true)
            .putString("str", "hello")
            .putStringArray("strs", "a", "b")
            .putFloat32Array("floats", 1f, 2f)
            .putInt32Array("ints", 4, 2, 4, 1)
            .putUint32Array("uints", 1, -1)
            .putArray("bytes", ArrayValue.of(MetadataType.UINT8, new byte[] {1, (byte) 255}))
            .putArray("shorts", ArrayValue.of(MetadataType.INT16, new short[] {-1, 3}))
            .putArray("longs", ArrayValue.of(MetadataType.INT64, new long[] {5, 6, 7, 8}))
            .putArray("doubles", ArrayValue.of(new double[] {0.5, 0.25}))
            .putArray("nested", ArrayValue.ofArrays(List.of(ArrayValue.of(new String[] {"x"}))))
            .build();

    @Test
    void metadataTypeIds() {
        MetadataType[] all = MetadataType.values();
        assertEquals(13, all.length);
        for (int i = 0; i < all.length; i++) {
            assertEquals(i, all[i].id());
            assertEquals(all[i], MetadataType.fromId(i).orElseThrow());
        }
        assertEquals(MetadataType.UINT8, MetadataType.valueOf("UINT8"));
        assertEquals(12, MetadataType.FLOAT64.id());
        assertTrue(MetadataType.fromId(13).isEmpty());
        assertTrue(MetadataType.fromId(-1).isEmpty());
    }

    @Test
    void integersOfAnyWidth() {
        assertEquals(200, MD.getInt("u8"));
        assertEquals(-5, MD.getInt("i8"));
        assertEquals(60000, MD.getInt("u16"));
        assertEquals(-300, MD.getInt("i16"));
        assertEquals(7, MD.getInt("u32small"));
        assertEquals(-7, MD.getInt("i32"));
        assertEquals(12, MD.getInt("u64"));
        assertEquals(-9, MD.getInt("i64"));
        assertEquals(4000000000L, MD.getLong("u32"));
        assertEquals(1L << 40, MD.getLong("i64big"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MD.getInt("u32"));
        assertEquals("metadata key 'u32' has UINT32 value 4000000000, which does not fit in an int", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MD.getInt("i64big"));
        e = assertThrows(IllegalArgumentException.class, () -> MD.getLong("u64max"));
        assertTrue(e.getMessage().contains("18446744073709551615"), e.getMessage());
    }

    @Test
    void floatsAcceptAnyNumber() {
        assertEquals(1.5f, MD.getFloat("f32"));
        assertEquals(0.1f, MD.getFloat("f64"));
        assertEquals(0.1, MD.getDouble("f64"));
        assertEquals(200f, MD.getFloat("u8"));
        assertEquals(-9.0, MD.getDouble("i64"));
        assertEquals(18446744073709551615.0, MD.getDouble("u64max"));
        assertThrows(IllegalArgumentException.class, () -> MD.getFloat("str"));
        assertThrows(IllegalArgumentException.class, () -> MD.getFloat("bool"));
    }

    @Test
    void missingAndWrongType() {
        NoSuchElementException m = assertThrows(NoSuchElementException.class, () -> MD.getInt("llama.block_count"));
        assertEquals("metadata key 'llama.block_count' is missing", m.getMessage());
        assertThrows(NoSuchElementException.class, () -> MD.getString("nope"));
        assertThrows(NoSuchElementException.class, () -> MD.getStringArray("nope"));
        assertThrows(NoSuchElementException.class, () -> MD.getPerLayerInt("nope", 3));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MD.getInt("str"));
        assertEquals("metadata key 'str' has type STRING, expected an integer", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MD.getString("u8"));
        assertEquals("metadata key 'u8' has type UINT8, expected STRING", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MD.getStringArray("floats"));
        assertEquals("metadata key 'floats' has type ARRAY of FLOAT32, expected ARRAY of STRING", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MD.getBool("u8"));
        assertThrows(IllegalArgumentException.class, () -> MD.getIntArray("floats"));
        assertThrows(IllegalArgumentException.class, () -> MD.getFloatArray("strs"));
        assertThrows(IllegalArgumentException.class, () -> MD.getInt("ints"));
    }

    @Test
    void defaultsOnlyForMissingKeys() {
        assertEquals(3, MD.getInt("nope", 3));
        assertEquals(200, MD.getInt("u8", 3));
        assertEquals(4L, MD.getLong("nope", 4L));
        assertEquals(2.5f, MD.getFloat("nope", 2.5f));
        assertEquals(1.5f, MD.getFloat("f32", 2.5f));
        assertEquals(2.5, MD.getDouble("nope", 2.5));
        assertTrue(MD.getBool("nope", true));
        assertTrue(MD.getBool("bool", false));
        assertEquals("d", MD.getString("nope", "d"));
        assertEquals("hello", MD.getString("str", "d"));
        assertThrows(IllegalArgumentException.class, () -> MD.getInt("str", 3));
        assertThrows(IllegalArgumentException.class, () -> MD.getString("u8", "d"));
        assertThrows(IllegalArgumentException.class, () -> MD.getBool("str", true));
    }

    @Test
    void arrays() {
        assertArrayEquals(new String[] {"a", "b"}, MD.getStringArray("strs"));
        assertArrayEquals(new float[] {1f, 2f}, MD.getFloatArray("floats"));
        assertArrayEquals(new float[] {0.5f, 0.25f}, MD.getFloatArray("doubles"));
        assertArrayEquals(new float[] {4f, 2f, 4f, 1f}, MD.getFloatArray("ints"));
        assertArrayEquals(new int[] {4, 2, 4, 1}, MD.getIntArray("ints"));
        assertArrayEquals(new int[] {1, 255}, MD.getIntArray("bytes"));
        assertArrayEquals(new int[] {-1, 3}, MD.getIntArray("shorts"));
        assertArrayEquals(new int[] {5, 6, 7, 8}, MD.getIntArray("longs"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MD.getIntArray("uints"));
        assertTrue(e.getMessage().contains("element 1") && e.getMessage().contains("4294967295"), e.getMessage());
        // Returned arrays are copies.
        MD.getIntArray("ints")[0] = 99;
        assertEquals(4, MD.getIntArray("ints")[0]);
    }

    @Test
    void perLayer() {
        assertArrayEquals(new int[] {200, 200, 200}, MD.getPerLayerInt("u8", 3));
        assertArrayEquals(new int[] {4, 2, 4, 1}, MD.getPerLayerInt("ints", 4));
        assertArrayEquals(new int[] {5, 6, 7, 8}, MD.getPerLayerInt("longs", 4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MD.getPerLayerInt("ints", 5));
        assertEquals("metadata key 'ints' has 4 elements, expected 5 (one per layer)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MD.getPerLayerInt("str", 2));
        assertThrows(IllegalArgumentException.class, () -> MD.getPerLayerInt("u32", 2));
        assertThrows(IllegalArgumentException.class, () -> MD.getPerLayerInt("floats", 2));
    }

    @Test
    void builderOrderReplaceRemoveAndEquality() {
        GgufMetadata.Builder b = GgufMetadata.builder().putUint32("a", 1).putString("b", "x").putBool("c", true);
        b.putUint32("a", 2).remove("c");
        GgufMetadata m = b.build();
        assertEquals(List.of("a", "b"), List.copyOf(m.keys()));
        assertEquals(2, m.getInt("a"));
        assertTrue(m.has("b"));
        assertFalse(m.has("c"));
        assertTrue(m.get("c").isEmpty());
        assertEquals(new IntValue(MetadataType.UINT32, 2), m.get("a").orElseThrow());
        GgufMetadata same = GgufMetadata.builder().putUint32("a", 2).putString("b", "x").build();
        assertEquals(m, same);
        assertEquals(m.hashCode(), same.hashCode());
        GgufMetadata reordered = GgufMetadata.builder().putString("b", "x").putUint32("a", 2).build();
        assertNotEquals(m, reordered, "key order is part of the metadata");
        assertNotEquals(m, GgufMetadata.builder().putInt32("a", 2).putString("b", "x").build(), "type matters");
        assertEquals(m, m.toBuilder().build());
        assertEquals(0, GgufMetadata.empty().size());
        assertThrows(UnsupportedOperationException.class, () -> m.asMap().clear());
        assertTrue(MD.toString().startsWith("GgufMetadata{u8=UINT8(200), i8=INT8(-5)"), MD.toString());
    }

    @Test
    void valueRecords() {
        assertThrows(IllegalArgumentException.class, () -> new IntValue(MetadataType.UINT8, 256));
        assertThrows(IllegalArgumentException.class, () -> new IntValue(MetadataType.INT8, -129));
        assertThrows(IllegalArgumentException.class, () -> new IntValue(MetadataType.UINT32, -1));
        assertThrows(IllegalArgumentException.class, () -> new IntValue(MetadataType.FLOAT32, 1));
        assertThrows(IllegalArgumentException.class, () -> ArrayValue.of(MetadataType.INT16, new int[0]));
        assertEquals("UINT64(18446744073709551615)", new IntValue(MetadataType.UINT64, -1).toString());

        float[] f = {1f, Float.NaN};
        ArrayValue<float[]> a = ArrayValue.of(f);
        f[0] = 9f;
        assertEquals(1f, a.getFloat(0), "copied in");
        a.values()[0] = 9f;
        assertEquals(1f, a.getFloat(0), "copied out");
        assertEquals(a, ArrayValue.of(new float[] {1f, Float.NaN}));
        assertEquals(a.hashCode(), ArrayValue.of(new float[] {1f, Float.NaN}).hashCode());
        assertNotEquals(ArrayValue.of(MetadataType.INT32, new int[] {1}), ArrayValue.of(MetadataType.UINT32,
                new int[] {1}));
        assertEquals(MetadataType.ARRAY, a.type());
        assertEquals("ARRAY of FLOAT32", a.typeName());
        assertEquals(2, a.size());
        assertEquals(4294967295L, ArrayValue.of(MetadataType.UINT32, new int[] {-1}).getLong(0));
        assertEquals(-1L, ArrayValue.of(MetadataType.INT32, new int[] {-1}).getLong(0));
        assertEquals(255L, ArrayValue.of(MetadataType.UINT8, new byte[] {-1}).getLong(0));
        assertThrows(NullPointerException.class, () -> ArrayValue.of(new String[] {null}));
        assertEquals("STRING('a\\u000ab')", new MetadataValue.StringValue("a\nb").toString());
    }
}
