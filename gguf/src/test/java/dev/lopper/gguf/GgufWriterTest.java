package dev.lopper.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lopper.gguf.GgufWriter.TensorEntry;
import dev.lopper.gguf.MetadataValue.ArrayValue;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufWriterTest {
    @TempDir
    Path tmp;

    /** Every scalar and array type, extremes, empty arrays and nested arrays. */
    static GgufMetadata everyType() {
        List<ArrayValue<?>> inner = List.of(
                ArrayValue.of(MetadataType.INT32, new int[] {1, 2}),
                ArrayValue.of(new String[] {"x", ""}),
                ArrayValue.ofArrays(List.of(ArrayValue.of(new boolean[] {true}), ArrayValue.of(new float[0]))),
                ArrayValue.ofArrays(List.of()));
        return GgufMetadata.builder()
                .putUint8("t.u8", 255).putInt8("t.i8", Byte.MIN_VALUE)
                .putUint16("t.u16", 65535).putInt16("t.i16", Short.MIN_VALUE)
                .putUint32("t.u32", 0xFFFF_FFFFL).putInt32("t.i32", Integer.MIN_VALUE)
                .putUint64("t.u64", -1L).putInt64("t.i64", Long.MIN_VALUE)
                .putFloat32("t.f32", -0.0f).putFloat32("t.nan", Float.NaN).putFloat64("t.f64", Math.PI)
                .putBool("t.true", true).putBool("t.false", false)
                .putString("t.str", "h\u00e9llo \u2603 \uD83D\uDE00").putString("t.empty", "")
                .putArray("a.u8", ArrayValue.of(MetadataType.UINT8, new byte[] {0, -1}))
                .putArray("a.i8", ArrayValue.of(MetadataType.INT8, new byte[] {-128, 127}))
                .putArray("a.u16", ArrayValue.of(MetadataType.UINT16, new short[] {-1}))
                .putArray("a.i16", ArrayValue.of(MetadataType.INT16, new short[] {-2, 3}))
                .putUint32Array("a.u32", -1, 0)
                .putInt32Array("a.i32", Integer.MIN_VALUE, 5)
                .putArray("a.u64", ArrayValue.of(MetadataType.UINT64, new long[] {-1L}))
                .putArray("a.i64", ArrayValue.of(MetadataType.INT64, new long[] {Long.MIN_VALUE}))
                .putFloat32Array("a.f32", 1.5f, Float.NEGATIVE_INFINITY)
                .putArray("a.f64", ArrayValue.of(new double[] {1e300}))
                .putArray("a.bool", ArrayValue.of(new boolean[] {true, false, true}))
                .putStringArray("a.str", "a", "", "\u00fc")
                .putArray("a.empty.f32", ArrayValue.of(new float[0]))
                .putArray("a.empty.str", ArrayValue.of(new String[0]))
                .putArray("a.empty.u16", ArrayValue.of(MetadataType.UINT16, new short[0]))
                .putArray("a.nested", ArrayValue.ofArrays(inner))
                .build();
    }

    @Test
    void everyMetadataTypeRoundTrips() throws IOException {
        GgufMetadata md = everyType();
        for (int version : new int[] {2, 3}) {
            Path p = tmp.resolve("md" + version + ".gguf");
            GgufWriter.write(p, version, md, List.of());
            try (GgufFile f = GgufFile.open(p)) {
                assertEquals(version, f.version());
                assertEquals(md, f.metadata());
                assertEquals(f.dataOffset(), f.fileSize(), "header padded to the alignment");
                Path again = tmp.resolve("again" + version + ".gguf");
                GgufWriter.copy(f, again);
                assertEquals(-1, Files.mismatch(p, again), "byte-identical rewrite");
            }
        }
    }

    @Test
    void everyTensorTypeRoundTripsWithAlignment() throws IOException {
        Random rnd = new Random(1);
        List<TensorEntry> entries = new ArrayList<>();
        List<byte[]> datas = new ArrayList<>();
        for (GgmlType t : GgmlType.values()) {
            long[] shape = {t.blockSize() * 2L, 3};
            byte[] d = new byte[(int) t.byteSize(shape[0] * shape[1])];
            rnd.nextBytes(d);
            entries.add(new TensorEntry("w." + t, t, shape, MemorySegment.ofArray(d)));
            datas.add(d);
        }
        float[] f32 = {1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f};
        entries.add(new TensorEntry("v1", GgmlType.F32, new long[] {8}, MemorySegment.ofArray(f32)));
        entries.add(new TensorEntry("v3", GgmlType.F32, new long[] {2, 2, 2}, MemorySegment.ofArray(f32)));
        entries.add(new TensorEntry("v4", GgmlType.F32, new long[] {2, 1, 2, 2}, MemorySegment.ofArray(f32)));
        GgufMetadata md = GgufMetadata.builder().putString("general.architecture", "test")
                .putUint32("general.alignment", 64).build();
        Path p = tmp.resolve("tensors.gguf");
        GgufWriter.write(p, 3, md, entries);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(64, f.alignment());
            assertEquals(0, f.dataOffset() % 64);
            assertEquals(0, f.fileSize() % 64);
            assertEquals(entries.size(), f.tensors().size());
            for (int i = 0; i < GgmlType.values().length; i++) {
                TensorInfo t = f.tensors().get(i);
                assertEquals(entries.get(i).name(), t.name());
                assertEquals(entries.get(i).type(), t.type());
                assertArrayEquals(entries.get(i).shape(), t.shape());
                assertEquals(0, t.offset() % 64);
                assertArrayEquals(datas.get(i), f.data(t).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            }
            for (String n : new String[] {"v1", "v3", "v4"}) {
                assertEquals(-1, f.data(f.tensor(n).orElseThrow()).mismatch(MemorySegment.ofArray(f32)));
            }
            assertEquals(4, f.tensor("v4").orElseThrow().dims());
        }
    }

    @Test
    void byteSourcesAreCalledOnceInOrder() throws IOException {
        List<String> calls = new ArrayList<>();
        List<TensorEntry> entries = Stream.of("a", "b", "c").map(n -> new TensorEntry(n, GgmlType.I8,
                new long[] {3}, () -> {
                    calls.add(n);
                    return MemorySegment.ofArray(new byte[] {1, 2, (byte) n.charAt(0)});
                })).toList();
        Path p = tmp.resolve("lazy.gguf");
        GgufWriter.write(p, 3, GgufMetadata.empty(), entries);
        assertEquals(List.of("a", "b", "c"), calls);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals('c', f.data(f.tensor("c").orElseThrow()).get(java.lang.foreign.ValueLayout.JAVA_BYTE, 2));
            assertEquals(32, f.tensor("b").orElseThrow().offset());
        }
    }

    @Test
    void copyOfTheFixtureIsByteIdentical() throws IOException {
        Path src = TestData.resource(TestData.STORIES);
        Path out = tmp.resolve("copy.gguf");
        try (GgufFile f = GgufFile.open(src)) {
            GgufWriter.copy(f, out);
        }
        assertEquals(-1, Files.mismatch(src, out));
    }

    @Test
    void invalidInputIsRejectedBeforeAnythingIsWritten() throws IOException {
        Path p = tmp.resolve("bad.gguf");
        MemorySegment four = MemorySegment.ofArray(new byte[4]);
        GgufMetadata md = GgufMetadata.empty();
        assertThrows(IllegalArgumentException.class, () -> GgufWriter.write(p, 1, md, List.of()));
        assertThrows(IllegalArgumentException.class, () -> GgufWriter.write(p, 3, md, List.of(
                new TensorEntry("x", GgmlType.F32, new long[] {1}, four),
                new TensorEntry("x", GgmlType.F32, new long[] {1}, four))));
        assertThrows(IllegalArgumentException.class, () -> GgufWriter.write(p, 3, md, List.of(
                new TensorEntry("x", GgmlType.F32, new long[0], four))));
        assertThrows(IllegalArgumentException.class, () -> GgufWriter.write(p, 3, md, List.of(
                new TensorEntry("x", GgmlType.F32, new long[] {1, 1, 1, 1, 1}, four))));
        assertThrows(IllegalArgumentException.class, () -> GgufWriter.write(p, 3, md, List.of(
                new TensorEntry("x", GgmlType.F32, new long[] {1, 0}, four))));
        assertThrows(IllegalArgumentException.class, () -> GgufWriter.write(p, 3, md, List.of(
                new TensorEntry("x", GgmlType.Q8_0, new long[] {16}, four))));
        assertThrows(IllegalArgumentException.class, () -> GgufWriter.write(p, 3,
                GgufMetadata.builder().putUint32("general.alignment", 48).build(), List.of()));
        assertThrows(IllegalArgumentException.class, () -> GgufWriter.write(p, 3,
                GgufMetadata.builder().putUint64("general.alignment", 64).build(), List.of()));
        // Wrong data size is found while writing: the partial temp file is removed.
        assertThrows(IllegalArgumentException.class, () -> GgufWriter.write(p, 3, md, List.of(
                new TensorEntry("x", GgmlType.F32, new long[] {2}, four))));
        assertFalse(Files.exists(p));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(0, s.count(), "no temp files left");
        }
    }

    @Test
    void aFailedWriteLeavesTheExistingFileUntouched() throws IOException {
        Path p = tmp.resolve("model.gguf");
        GgufWriter.write(p, 3, everyType(), List.of());
        byte[] before = Files.readAllBytes(p);
        AtomicInteger calls = new AtomicInteger();
        IOException e = assertThrows(IOException.class, () -> GgufWriter.write(p, 3, GgufMetadata.empty(), List.of(
                new TensorEntry("x", GgmlType.F32, new long[] {1}, MemorySegment.ofArray(new byte[4])),
                new TensorEntry("y", GgmlType.F32, new long[] {1}, () -> {
                    calls.incrementAndGet();
                    throw new IOException("disk on fire");
                }))));
        assertEquals("disk on fire", e.getMessage());
        assertEquals(1, calls.get());
        assertArrayEquals(before, Files.readAllBytes(p));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(p), s.toList(), "no temp files left");
        }
        // A successful write replaces it.
        GgufWriter.write(p, 3, GgufMetadata.builder().putBool("k", true).build(), List.of());
        try (GgufFile f = GgufFile.open(p)) {
            assertTrue(f.metadata().getBool("k"));
            assertEquals(1, f.metadata().size());
        }
    }
}
