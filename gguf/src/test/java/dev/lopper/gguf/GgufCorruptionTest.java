package dev.lopper.gguf;

import static dev.lopper.gguf.TestData.patch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.lopper.gguf.TestData.KeyAt;
import dev.lopper.gguf.TestData.Layout;
import dev.lopper.gguf.TestData.TensorAt;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A corruption corpus built from the in-repo fixtures: every damaged file must give a {@link GgufFormatException}
 * with a one-line message naming the file and the byte offset, and never any other exception.
 */
class GgufCorruptionTest {
    private static byte[] stories;
    private static Layout layout;
    /** End of the last tensor's data: truncating anywhere before it must fail. */
    private static long dataEnd;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() throws Exception {
        stories = TestData.read(TestData.resource(TestData.STORIES));
        layout = new Layout(stories);
        try (GgufFile f = GgufFile.open(TestData.resource(TestData.STORIES))) {
            dataEnd = f.tensors().stream().mapToLong(t -> f.dataOffset() + t.offset() + t.byteSize()).max()
                    .orElseThrow();
        }
        assertEquals(304080, dataEnd);
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    /** Opens {@code bytes} as a file and expects a well-formed GgufFormatException whose message has these parts. */
    private GgufFormatException rejected(byte[] bytes, String... parts) throws Exception {
        Path p = tmp.resolve("corrupt.gguf");
        Files.write(p, bytes);
        try (GgufFile f = GgufFile.open(p)) {
            fail("opened a corrupt file: " + f + " expected " + Arrays.toString(parts));
            return null;
        } catch (GgufFormatException e) {
            checkMessage(e, "corrupt.gguf");
            for (String part : parts) {
                assertTrue(e.getMessage().contains(part), () -> "'" + part + "' not in: " + e.getMessage());
            }
            return e;
        }
    }

    private static void checkMessage(GgufFormatException e, String file) {
        String m = e.getMessage();
        assertFalse(m.contains("\n") || m.contains("\r"), () -> "multi-line message: " + m);
        assertTrue(m.startsWith(file + ": "), () -> "does not name the file: " + m);
        assertTrue(m.matches(".* at byte \\d+$"), () -> "no byte offset: " + m);
        assertTrue(e.offset() >= 0, m);
        assertEquals(file, e.file());
        assertTrue(m.length() < 400, () -> "too long: " + m);
    }

    /** Parses in memory: success or a well-formed GgufFormatException, nothing else. */
    private static boolean parsesOrRejects(byte[] bytes, String what) {
        return parsesOrRejects(MemorySegment.ofArray(bytes), what);
    }

    private static boolean parsesOrRejects(MemorySegment bytes, String what) {
        try {
            GgufReader.parse(bytes, "fuzz.gguf");
            return true;
        } catch (GgufFormatException e) {
            checkMessage(e, "fuzz.gguf");
            return false;
        } catch (Throwable t) {
            throw new AssertionError(what + ": " + t, t);
        }
    }

    private static long key(String k) {
        return layout.keys.get(k).keyAt();
    }

    private static KeyAt kv(String k) {
        return layout.keys.get(k);
    }

    private static TensorAt tensor(String n) {
        return layout.tensors.get(n);
    }

    // --- truncation ----------------------------------------------------------------------------------------------

    @Test
    void truncatedFilesOnDiskEveryByteOfTheFirst2KbThenASample() throws Exception {
        for (int n = 0; n < 2048; n++) {
            rejected(Arrays.copyOf(stories, n));
        }
        Random rnd = new Random(7);
        for (int i = 0; i < 200; i++) {
            int n = 2048 + rnd.nextInt((int) dataEnd - 2048);
            rejected(Arrays.copyOf(stories, n));
        }
        rejected(Arrays.copyOf(stories, (int) dataEnd - 1), "blk.4.ffn_up.weight", "past end of file",
                "truncated, 1 bytes missing");
        // The padding after the last tensor is not needed.
        try (GgufFile f = GgufFile.open(Files.write(tmp.resolve("t.gguf"), Arrays.copyOf(stories, (int) dataEnd)))) {
            assertEquals(48, f.tensors().size());
        }
    }

    @Test
    void truncatedInsideTensorDataStillOpensForMetadata() throws Exception {
        int cut = (int) dataEnd - 5000;
        Path p = Files.write(tmp.resolve("cut.gguf"), Arrays.copyOf(stories, cut));
        try (GgufFile f = GgufFile.openForMetadata(p)) {
            assertEquals(dataEnd - cut, f.missingBytes());
            assertEquals(48, f.tensors().size());
            assertEquals(512, f.metadata().getStringArray("tokenizer.ggml.tokens").length);
            TensorInfo first = f.tensors().getFirst();
            assertEquals(first.byteSize(), f.data(first).byteSize(), "a tensor wholly in the file is readable");
            TensorInfo last = f.tensor("blk.4.ffn_up.weight").orElseThrow();
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> f.data(last));
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        }
        try (GgufFile f = GgufFile.openForMetadata(TestData.resource(TestData.STORIES))) {
            assertEquals(0, f.missingBytes());
        }
        // A cut inside the tensor infos is still an error, with the word the user needs.
        Path early = Files.write(tmp.resolve("early.gguf"), Arrays.copyOf(stories, (int) layout.tensorInfosAt + 10));
        GgufFormatException e = org.junit.jupiter.api.Assertions.assertThrows(GgufFormatException.class,
                () -> GgufFile.openForMetadata(early));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void directoryIsNamedAsADirectory() {
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> GgufFile.open(tmp));
        assertTrue(e.getMessage().contains(tmp + " is a directory"), e.getMessage());
    }

    @Test
    void truncatedInMemoryThroughoutTheHeader() {
        // Every byte of the first 2 KB and of the tensor infos, every 3rd byte of the vocabulary in between.
        for (int n = 0; n < layout.tensorInfosEnd + 64; n += n < 2048 || n >= layout.tensorInfosAt - 64 ? 1 : 3) {
            assertFalse(parsesOrRejects(MemorySegment.ofArray(stories).asSlice(0, n), "truncated at " + n));
        }
    }

    @Test
    void truncatedVocabOnlyFile() throws Exception {
        byte[] vocab = TestData.read(TestData.resource(TestData.VOCAB_ONLY));
        for (int n = 0; n < vocab.length; n += n < 512 || n > vocab.length - 512 ? 1 : 7) {
            assertFalse(parsesOrRejects(Arrays.copyOf(vocab, n), "vocab truncated at " + n));
        }
        assertTrue(parsesOrRejects(vocab, "vocab"));
    }

    // --- header --------------------------------------------------------------------------------------------------

    @Test
    void magicAndVersion() throws Exception {
        rejected(patch(stories, 0, 4, 0x4c4d4747), "not a GGUF file", "at byte 0");
        rejected(patch(stories, 4, 4, 1), "version 1 is not supported", "at byte 4");
        rejected(patch(stories, 4, 4, 0), "unsupported GGUF version 0");
        rejected(patch(stories, 4, 4, 4), "unsupported GGUF version 4");
        rejected(patch(stories, 4, 4, 0x03000000), "big-endian");
        rejected(patch(stories, 4, 4, 0xFFFFFFFFL), "unsupported GGUF version 4294967295");
    }

    @Test
    void counts() throws Exception {
        rejected(patch(stories, 8, 8, -1L), "tensor count 18446744073709551615 cannot fit", "at byte 8");
        rejected(patch(stories, 8, 8, 1L << 40), "tensor count");
        rejected(patch(stories, 16, 8, -1L), "metadata key/value count", "at byte 16");
        rejected(patch(stories, 16, 8, Long.MAX_VALUE), "metadata key/value count");
        rejected(patch(stories, 8, 8, 10000), "tensor count 10000 cannot fit in the remaining 304080 bytes");
        rejected(patch(stories, 8, 8, 9500), "9500 tensors and 21 metadata keys cannot fit");
        rejected(patch(stories, 8, 8, 9000)); // fits the count check, fails later
        rejected(patch(stories, 8, 8, 49));
        rejected(patch(stories, 16, 8, 22));
        rejected(patch(stories, 16, 8, 20));
    }

    // --- metadata ------------------------------------------------------------------------------------------------

    @Test
    void hugeStringAndArrayLengths() throws Exception {
        long first = key("tokenizer.ggml.tokens");
        rejected(patch(stories, first, 8, -1L), "metadata key #0: string of 18446744073709551615 bytes past end",
                "at byte " + first);
        rejected(patch(stories, first, 8, 1L << 62), "past end of file");
        long tokens = kv("tokenizer.ggml.tokens").valueAt();
        rejected(patch(stories, tokens + 4, 8, 1L << 60), "'tokenizer.ggml.tokens': array of 1152921504606846976 "
                + "STRING elements past end of file", "at byte " + (tokens + 4));
        rejected(patch(stories, tokens + 4, 8, -1L), "18446744073709551615");
        long scores = kv("tokenizer.ggml.scores").valueAt();
        rejected(patch(stories, scores + 4, 8, 1L << 61), "'tokenizer.ggml.scores': array of", "FLOAT32");
        rejected(patch(stories, scores + 4, 8, 1L << 31), "FLOAT32");
        long el5 = layout.stringElementAt("tokenizer.ggml.tokens", 5);
        rejected(patch(stories, el5, 8, Long.MAX_VALUE), "'tokenizer.ggml.tokens' element 5: string of",
                "at byte " + el5);
        rejected(patch(stories, el5, 8, 1L << 20)); // plausible but wrong: the rest no longer parses
        long name = kv("general.name").valueAt();
        rejected(patch(stories, name, 8, 1L << 40), "'general.name'");
    }

    @Test
    void badValueTypes() throws Exception {
        KeyAt arch = kv("general.architecture");
        rejected(patch(stories, arch.typeAt(), 4, 13), "metadata key 'general.architecture': unknown value type 13",
                "at byte " + arch.typeAt());
        rejected(patch(stories, arch.typeAt(), 4, 0xFFFFFFFFL), "unknown value type 4294967295");
        long tokens = kv("tokenizer.ggml.tokens").valueAt();
        rejected(patch(stories, tokens, 4, 99), "'tokenizer.ggml.tokens' array element: unknown value type 99",
                "at byte " + tokens);
        rejected(patch(stories, tokens, 4, 7), "BOOL"); // strings read as booleans
        // A value type changed to another valid one misreads the rest.
        rejected(patch(stories, kv("llama.block_count").typeAt(), 4, 8));
    }

    @Test
    void duplicateKey() throws Exception {
        long bos = key("tokenizer.ggml.bos_token_id");
        byte[] b = stories.clone();
        b[(int) bos + 8 + "tokenizer.ggml.".length()] = 'e'; // bos_token_id -> eos_token_id, same length
        rejected(b, "duplicate metadata key 'tokenizer.ggml.eos_token_id'");
    }

    @Test
    void alignmentKey() throws Exception {
        byte[] base = new TestData.Le().header(3, 1, 1).str("general.alignment").u32(4).u32(64)
                .str("t").u32(1).u64(4).u32(0).u64(0).pad(64).raw(new byte[16]).bytes();
        try (GgufFile f = GgufFile.open(Files.write(tmp.resolve("a.gguf"), base))) {
            assertEquals(64, f.alignment());
        }
        long typeAt = 24 + 8 + "general.alignment".length();
        rejected(patch(base, typeAt + 4, 4, 48), "general.alignment = 48 is not a power of two");
        rejected(patch(base, typeAt + 4, 4, 0), "general.alignment = 0 is not a power of two");
        rejected(patch(base, typeAt, 4, 5), "general.alignment has type INT32, expected UINT32");
        byte[] asU64 = new TestData.Le().header(3, 0, 1).str("general.alignment").u32(10).u64(32).bytes();
        rejected(asU64, "general.alignment has type UINT64, expected UINT32");
        byte[] asString = new TestData.Le().header(3, 0, 1).str("general.alignment").u32(8).str("32").bytes();
        rejected(asString, "expected UINT32");
    }

    @Test
    void boolsMustBeZeroOrOne() throws Exception {
        rejected(new TestData.Le().header(3, 0, 1).str("b").u32(7).u8(2).bytes(), "'b': BOOL byte 2 is not 0 or 1");
        rejected(new TestData.Le().header(3, 0, 1).str("b").u32(9).u32(7).u64(2).u8(1).u8(255).bytes(),
                "'b' element 1: BOOL byte 255");
    }

    @Test
    void nestingDepthIsLimited() throws Exception {
        for (int depth = 1; depth <= GgufReader.MAX_ARRAY_DEPTH + 1; depth++) {
            TestData.Le le = new TestData.Le().header(3, 0, 1).str("n").u32(9);
            for (int d = 1; d < depth; d++) {
                le.u32(9).u64(1); // an array of one array ...
            }
            le.u32(5).u64(1).u32(42); // ... of one INT32
            byte[] b = le.bytes();
            if (depth <= GgufReader.MAX_ARRAY_DEPTH) {
                try (GgufFile f = GgufFile.open(Files.write(tmp.resolve("n.gguf"), b))) {
                    assertEquals(MetadataType.ARRAY, f.metadata().get("n").orElseThrow().type());
                }
            } else {
                rejected(b, "arrays nested deeper than " + GgufReader.MAX_ARRAY_DEPTH);
            }
        }
        // Millions of nested empty arrays would need 12 bytes each: counted against the file.
        rejected(new TestData.Le().header(3, 0, 1).str("n").u32(9).u32(9).u64(1L << 40).bytes(),
                "array of 1099511627776 ARRAY elements past end of file");
    }

    // --- tensor infos --------------------------------------------------------------------------------------------

    @Test
    void tensorTypes() throws Exception {
        TensorAt q = tensor("blk.0.attn_q.weight");
        rejected(patch(stories, q.typeAt(), 4, 31),
                "tensor 'blk.0.attn_q.weight': type 31 (Q4_0_4_4, removed from ggml)", "at byte " + q.typeAt());
        rejected(patch(stories, q.typeAt(), 4, 4), "type 4 (Q4_2, removed from ggml)");
        rejected(patch(stories, q.typeAt(), 4, 37), "(IQ4_NL_4_8, removed from ggml)");
        rejected(patch(stories, q.typeAt(), 4, 99), "type 99 is unknown");
        rejected(patch(stories, q.typeAt(), 4, 0xFFFFFFFFL), "type 4294967295 is unknown");
        // Valid but wrong type ids: the sizes no longer fit or blocks no longer divide the rows.
        TensorAt down = tensor("blk.0.ffn_down.weight");
        rejected(patch(stories, down.typeAt(), 4, GgmlType.Q8_0.id()),
                "ne0 = 172 is not a multiple of the Q8_0 block size 32");
        rejected(patch(stories, tensor("blk.4.ffn_up.weight").typeAt(), 4, GgmlType.F32.id()), "past end of file");
    }

    @Test
    void tensorDimensions() throws Exception {
        TensorAt q = tensor("blk.0.attn_q.weight");
        rejected(patch(stories, q.nDimsAt(), 4, 0), "0 dimensions, expected 1 to 4", "at byte " + q.nDimsAt());
        rejected(patch(stories, q.nDimsAt(), 4, 5), "5 dimensions");
        rejected(patch(stories, q.nDimsAt(), 4, 0xFFFFFFFFL), "4294967295 dimensions");
        rejected(patch(stories, q.dimsAt(), 8, 0), "ne0 = 0 is not a positive size", "at byte " + q.dimsAt());
        rejected(patch(stories, q.dimsAt() + 8, 8, -1L), "ne1 = 18446744073709551615 is not a positive size");
        rejected(patch(stories, q.dimsAt(), 8, 48), "ne0 = 48 is not a multiple of the Q5_0 block size 32");
        rejected(patch(stories, q.dimsAt() + 8, 8, 1L << 58), "element count of shape [64, "
                + (1L << 58) + "] overflows");
        rejected(patch(stories, q.dimsAt() + 8, 8, 1L << 50), "past end of file");
        rejected(patch(stories, q.dimsAt() + 8, 8, 65)); // one row more: overlaps the next tensor
    }

    @Test
    void tensorOffsets() throws Exception {
        TensorAt q = tensor("blk.0.attn_q.weight");
        rejected(patch(stories, q.offsetAt(), 8, 62080 + 1), "data offset 62081 is not a multiple of the alignment 32",
                "at byte " + q.offsetAt());
        rejected(patch(stories, q.offsetAt(), 8, 62080 + 16), "not a multiple of the alignment");
        rejected(patch(stories, q.offsetAt(), 8, -1L), "data offset 18446744073709551615 is past end of file");
        rejected(patch(stories, q.offsetAt(), 8, 304096), "past end of file");
        rejected(patch(stories, q.offsetAt(), 8, 1L << 62), "past end of file");
        TensorAt last = tensor("blk.4.ffn_up.weight");
        rejected(patch(stories, last.offsetAt(), 8, 282272 + 32),
                "tensor 'blk.4.ffn_up.weight': data [296544..304112) past end of file (size 304096)",
                "at byte " + last.offsetAt());
        rejected(patch(stories, q.offsetAt(), 8, 59264), "overlaps tensor");
    }

    @Test
    void duplicateTensorName() throws Exception {
        TensorAt k = tensor("blk.0.attn_k.weight");
        byte[] b = stories.clone();
        b[(int) k.nameAt() + 8 + "blk.0.attn_".length()] = 'q';
        rejected(b, "duplicate tensor name 'blk.0.attn_q.weight'");
    }

    @Test
    void hostileNamesStayOnOneLine() throws Exception {
        byte[] b = new TestData.Le().header(3, 1, 0).str("evil\nname\r" + "x".repeat(500)).u32(9).bytes();
        GgufFormatException e = rejected(b, "dimensions");
        assertTrue(e.getMessage().contains("evil\\u000aname\\u000d"), e.getMessage());
    }

    // --- fuzzing -------------------------------------------------------------------------------------------------

    @Test
    void randomByteFlipsInTheHeader() {
        Random rnd = new Random(42);
        int header = (int) layout.tensorInfosEnd;
        int opened = 0;
        byte[] b = stories.clone();
        for (int i = 0; i < 2000; i++) {
            int flips = 1 + rnd.nextInt(4);
            int[] at = new int[flips];
            StringBuilder what = new StringBuilder("flips");
            for (int j = 0; j < flips; j++) {
                at[j] = rnd.nextInt(header);
                int bit = rnd.nextInt(8);
                b[at[j]] ^= (byte) (1 << bit);
                what.append(' ').append(at[j]).append(':').append(bit);
            }
            if (parsesOrRejects(b, what.toString())) {
                opened++;
            }
            for (int j : at) {
                b[j] = stories[j];
            }
        }
        assertTrue(opened > 0, "string contents can change harmlessly");
    }

    @Test
    void randomWordsAtFieldBoundaries() {
        Random rnd = new Random(43);
        long[] fields = layout.tensors.values().stream()
                .flatMapToLong(t -> java.util.stream.LongStream.of(t.nameAt(), t.nDimsAt(), t.dimsAt(), t.typeAt(),
                        t.offsetAt()))
                .toArray();
        long[] keyFields = layout.keys.values().stream()
                .flatMapToLong(k -> java.util.stream.LongStream.of(k.keyAt(), k.typeAt(), k.valueAt(),
                        k.valueAt() + 4))
                .toArray();
        long[] all = java.util.stream.LongStream.concat(java.util.stream.LongStream.of(8, 16),
                java.util.stream.LongStream.concat(Arrays.stream(fields), Arrays.stream(keyFields))).toArray();
        List<Long> specials = List.of(0L, 1L, 2L, 3L, 4L, 9L, 12L, 31L, 32L, 255L, 0x7FFFFFFFL, 0xFFFFFFFFL,
                1L << 32, Long.MAX_VALUE, -1L, Long.MIN_VALUE, 304096L, 304080L);
        byte[] b = stories.clone();
        MemorySegment seg = MemorySegment.ofArray(b);
        for (int i = 0; i < 2000; i++) {
            int at = (int) all[rnd.nextInt(all.length)];
            int width = rnd.nextBoolean() ? 4 : 8;
            long v = rnd.nextInt(3) == 0 ? rnd.nextLong() : specials.get(rnd.nextInt(specials.size()));
            for (int k = 0; k < width; k++) {
                b[at + k] = (byte) (v >>> (8 * k));
            }
            parsesOrRejects(seg, "word " + v + " (" + width + " bytes) at " + at);
            System.arraycopy(stories, at, b, at, width);
        }
    }
}
