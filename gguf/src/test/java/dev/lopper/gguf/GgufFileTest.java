package dev.lopper.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufFileTest {
    @TempDir
    Path tmp;

    @Test
    void opensTheStoriesFixture() throws Exception {
        try (GgufFile f = GgufFile.open(TestData.resource(TestData.STORIES))) {
            assertEquals(3, f.version());
            assertEquals(32, f.alignment());
            assertEquals(14240, f.dataOffset());
            assertEquals(304096, f.fileSize());
            assertEquals(304096, f.segment().byteSize());
            assertEquals(21, f.metadata().size());
            assertEquals(48, f.tensors().size());
            assertEquals("tokenizer.ggml.tokens", f.metadata().keys().iterator().next());

            GgufMetadata md = f.metadata();
            assertEquals("llama", md.getString("general.architecture"));
            assertEquals(5, md.getInt("llama.block_count"));
            assertEquals(1e-5f, md.getFloat("llama.attention.layer_norm_rms_epsilon"));
            assertEquals(4294967295L, md.getLong("tokenizer.ggml.padding_token_id"));
            assertThrows(IllegalArgumentException.class, () -> md.getInt("tokenizer.ggml.padding_token_id"));
            String[] tokens = md.getStringArray("tokenizer.ggml.tokens");
            assertEquals(512, tokens.length);
            assertEquals("<s>", tokens[1]);
            assertEquals("<0x00>", tokens[3]);
            assertEquals(512, md.getFloatArray("tokenizer.ggml.scores").length);
            int[] types = md.getIntArray("tokenizer.ggml.token_type");
            assertEquals(512, types.length);
            assertEquals(2, types[0]);
            assertArrayEquals(new int[] {8, 8, 8, 8, 8}, md.getPerLayerInt("llama.attention.head_count", 5));
        }
    }

    @Test
    void tensorInfosAndData() throws Exception {
        try (GgufFile f = GgufFile.open(TestData.resource(TestData.STORIES))) {
            TensorInfo out = f.tensors().get(0);
            assertEquals("output.weight", out.name());
            assertEquals(GgmlType.Q8_0, out.type());
            assertArrayEquals(new long[] {64, 512}, out.shape());
            assertEquals(0, out.offset());
            assertEquals(2, out.dims());
            assertEquals(64, out.columns());
            assertEquals(512, out.rows());
            assertEquals(1, out.ne(2));
            assertEquals(1, out.ne(3));
            assertEquals(32768, out.elementCount());
            assertEquals(34816, out.byteSize());
            assertEquals(out, f.tensor("output.weight").orElseThrow());
            assertTrue(f.tensor("nope").isEmpty());

            TensorInfo down = f.tensor("blk.0.ffn_down.weight").orElseThrow();
            assertEquals(GgmlType.F16, down.type());
            assertEquals(172, down.columns());
            assertEquals(64, down.rows());

            MemorySegment d = f.data(out);
            assertEquals(34816, d.byteSize());
            assertTrue(d.isReadOnly());
            assertTrue(d.isNative());
            assertEquals(f.segment().address() + f.dataOffset(), d.address(), "zero-copy slice of the mapping");
            // Q8_0 block: an f16 scale then 32 int8; compare with the raw file bytes.
            byte[] raw = TestData.read(TestData.resource(TestData.STORIES));
            for (int i = 0; i < 64; i++) {
                assertEquals(raw[14240 + i], d.get(ValueLayout.JAVA_BYTE, i));
            }
            TensorInfo norm = f.tensor("output_norm.weight").orElseThrow();
            float w0 = f.data(norm).get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            assertTrue(Float.isFinite(w0) && w0 != 0);

            for (TensorInfo t : f.tensors()) {
                assertEquals(0, t.offset() % f.alignment());
                assertEquals(t.byteSize(), f.data(t).byteSize());
            }
            TensorInfo foreign = new TensorInfo("output.weight", GgmlType.F32, new long[] {64, 512}, 0);
            assertThrows(IllegalArgumentException.class, () -> f.data(foreign));
            assertThrows(UnsupportedOperationException.class, () -> f.tensors().clear());
        }
    }

    @Test
    void closeUnmaps() throws Exception {
        GgufFile f = GgufFile.open(TestData.resource(TestData.STORIES));
        MemorySegment d = f.data(f.tensors().get(0));
        d.get(ValueLayout.JAVA_BYTE, 0);
        f.close();
        assertThrows(IllegalStateException.class, () -> d.get(ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> f.segment().get(ValueLayout.JAVA_BYTE, 0));
        f.close(); // idempotent
        assertEquals(48, f.tensors().size(), "parsed structures stay usable");
    }

    @Test
    void vocabOnlyFileMayEndBeforeTheAlignedDataOffset() throws Exception {
        try (GgufFile f = GgufFile.open(TestData.resource(TestData.VOCAB_ONLY))) {
            assertEquals(11061, f.fileSize());
            assertEquals(11072, f.dataOffset());
            assertTrue(f.tensors().isEmpty());
            assertEquals(512, f.metadata().getStringArray("tokenizer.ggml.tokens").length);
            assertTrue(f.metadata().getBool("tokenizer.ggml.add_bos_token"));
            assertFalse(f.metadata().getBool("tokenizer.ggml.add_eos_token"));
        }
    }

    @Test
    void versionTwoAndHandMadeValues() throws Exception {
        byte[] file = new TestData.Le().header(2, 1, 3)
                .str("general.alignment").u32(4).u32(16)
                .str("b").u32(7).u8(1)
                .str("s").u32(8).str("h\u00e9\u2603\uD83D\uDE00")
                .str("t").u32(1).u64(8).u32(30).u64(0)
                .pad(16).raw(new byte[16]).bytes();
        Path p = tmp.resolve("v2.gguf");
        Files.write(p, file);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(2, f.version());
            assertEquals(16, f.alignment());
            assertEquals(0, f.dataOffset() % 16);
            assertTrue(f.metadata().getBool("b"));
            assertEquals("h\u00e9\u2603\uD83D\uDE00", f.metadata().getString("s"));
            TensorInfo t = f.tensor("t").orElseThrow();
            assertEquals(GgmlType.BF16, t.type());
            assertEquals(16, f.data(t).byteSize());
        }
    }

    @Test
    void malformedUtf8IsReplacedNotFatal() throws Exception {
        byte[] file = new TestData.Le().header(3, 0, 1).str("k").u32(8).u64(2).u8(0xC3).u8(0x28).bytes();
        Path p = tmp.resolve("utf8.gguf");
        Files.write(p, file);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals("\uFFFD(", f.metadata().getString("k"));
        }
    }

    @Test
    void filesLargerThan2GiB() throws Exception {
        long ne0 = 1L << 16, ne1 = (5L << 30) / 2 / ne0; // F32: 2.5 GiB of data
        byte[] header = new TestData.Le().header(3, 2, 0)
                .str("small").u32(1).u64(8).u32(0).u64(0)
                .str("big").u32(2).u64(ne0).u64(ne1).u32(0).u64(32)
                .pad(32).bytes();
        long bigBytes = ne0 * ne1 * 4;
        long size = header.length + 32 + bigBytes;
        Path p = tmp.resolve("big.gguf");
        Files.write(p, header);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            // Sparse: only the marker bytes are really written.
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {42}), size - 1);
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {7}), header.length + 32 + (3L << 30) / 2);
        }
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(size, f.fileSize());
            TensorInfo big = f.tensor("big").orElseThrow();
            assertEquals(bigBytes, big.byteSize());
            assertTrue(bigBytes > Integer.MAX_VALUE);
            MemorySegment d = f.data(big);
            assertEquals(bigBytes, d.byteSize());
            assertEquals(42, d.get(ValueLayout.JAVA_BYTE, bigBytes - 1));
            assertEquals(7, d.get(ValueLayout.JAVA_BYTE, (3L << 30) / 2));
            assertEquals(0, d.get(ValueLayout.JAVA_BYTE, 0));
        }
    }

    @Test
    void tensorInfoValueSemantics() {
        long[] shape = {256, 4, 2};
        TensorInfo a = new TensorInfo("x", GgmlType.Q4_K, shape, 64);
        shape[0] = 1;
        TensorInfo b = new TensorInfo("x", GgmlType.Q4_K, new long[] {256, 4, 2}, 64);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, new TensorInfo("x", GgmlType.Q4_K, new long[] {256, 8}, 64));
        assertEquals(256, a.shape()[0], "constructor copies the shape");
        a.shape()[0] = 5;
        assertEquals(256, a.columns(), "accessor returns a copy");
        assertEquals(3, a.dims());
        assertEquals(8, a.rows());
        assertEquals(2048, a.elementCount());
        assertEquals(2048 / 256 * 144, a.byteSize());
        assertEquals(1, a.ne(3));
        assertEquals(1, a.ne(7));
        assertThrows(IndexOutOfBoundsException.class, () -> a.ne(-1));
        assertEquals("TensorInfo['x' Q4_K [256, 4, 2] @64]", a.toString());
        assertEquals(List.of(a), List.of(b));
    }
}
