package dev.lopper.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** Every {@code *.gguf} of the shared reference folder, when it exists: parses, and copies losslessly. */
class SharedCorpusTest {
    @TempDir
    Path tmp;

    private static List<Path> corpus() throws IOException {
        Optional<Path> shared = TestData.sharedDir();
        assumeTrue(shared.isPresent(), "no shared reference folder (../shared): skipped");
        try (Stream<Path> s = Files.walk(shared.get(), java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".gguf") && Files.isRegularFile(p)).sorted()
                    .toList();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyFileParses() throws IOException {
        List<Path> files = corpus();
        assertFalse(files.isEmpty());
        return files.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
            try (GgufFile f = GgufFile.open(p)) {
                assertTrue(f.metadata().has("general.architecture"), "general.architecture");
                assertEquals(0, f.dataOffset() % f.alignment());
                long sum = 0;
                for (TensorInfo t : f.tensors()) {
                    sum += f.data(t).byteSize();
                }
                assertTrue(f.tensors().isEmpty() || f.dataOffset() + sum <= f.fileSize());
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> everyFileRoundTrips() throws IOException {
        return corpus().stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
            Path out = tmp.resolve(p.getFileName());
            try (GgufFile src = GgufFile.open(p)) {
                GgufWriter.copy(src, out);
                try (GgufFile copy = GgufFile.open(out)) {
                    assertEquals(src.version(), copy.version());
                    assertEquals(src.metadata(), copy.metadata());
                    assertEquals(src.tensors().size(), copy.tensors().size());
                    for (int i = 0; i < src.tensors().size(); i++) {
                        TensorInfo a = src.tensors().get(i);
                        TensorInfo b = copy.tensors().get(i);
                        assertEquals(a.name(), b.name());
                        assertEquals(a.type(), b.type());
                        assertArrayEquals(a.shape(), b.shape());
                        MemorySegment da = src.data(a);
                        assertEquals(-1, da.mismatch(copy.data(b)), a.name());
                    }
                    // llama.cpp's files come back byte for byte; vocab-only ones only gain their missing padding.
                    long common = Math.min(src.fileSize(), copy.fileSize());
                    assertEquals(-1, src.segment().asSlice(0, common).mismatch(copy.segment().asSlice(0, common)));
                    assertTrue(copy.fileSize() == src.fileSize()
                            || (src.tensors().isEmpty() && copy.fileSize() == src.dataOffset()));
                }
            }
        }));
    }

    @Test
    void llamaSpmVocabEndsBeforeItsDataOffset() throws IOException {
        Optional<Path> shared = TestData.sharedDir();
        assumeTrue(shared.isPresent(), "no shared reference folder (../shared): skipped");
        Path vocab = shared.get().resolve("fixtures/tokenizer/ggml-vocab-llama-spm.gguf");
        assumeTrue(Files.exists(vocab));
        try (GgufFile f = GgufFile.open(vocab)) {
            assertEquals(723869, f.fileSize());
            assertEquals(723872, f.dataOffset());
            assertTrue(f.tensors().isEmpty());
            assertEquals(32000, f.metadata().getStringArray("tokenizer.ggml.tokens").length);
            assertEquals(32000, f.metadata().getFloatArray("tokenizer.ggml.scores").length);
            assertEquals(32000, f.metadata().getIntArray("tokenizer.ggml.token_type").length);
        }
    }
}
