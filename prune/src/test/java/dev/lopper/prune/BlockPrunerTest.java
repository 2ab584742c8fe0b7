package dev.lopper.prune;

import dev.lopper.engine.Lopper;
import dev.lopper.engine.Model;
import dev.lopper.gguf.GgufFile;
import dev.lopper.gguf.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A pruned file runs exactly as its original with the same blocks skipped, and pruning is careful with files. */
class BlockPrunerTest {
    static final int[] PROMPT = {1, 400, 37, 512, 98, 7, 250, 31, 600, 12, 3, 77};
    static Path conformance(String name) {
        return PruneTestData.projectRoot().resolve("testdata/conformance").resolve(name);
    }

    @Test
    void uniformModelPrunedRunsAsSkipped(@TempDir Path dir) throws Exception {
        Path in = conformance("tiny-q4_k_m.gguf");
        Path out = dir.resolve("pruned.gguf");
        try (GgufFile f = GgufFile.open(in)) {
            var o = BlockPruner.prune(f, out, Set.of(1, 2), false);
            assertEquals(List.of(0, 3), o.kept());
            assertEquals(2, o.blockCount());
            assertEquals(List.of(1, 2), o.removedOriginal());
        }
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals(2, g.metadata().getInt("llama.block_count"));
            assertArrayEquals(new int[]{1, 2}, g.metadata().getIntArray(BlockPruner.REMOVED_KEY));
            assertTrue(g.tensor("blk.1.attn_q.weight").isPresent() && g.tensor("blk.2.attn_q.weight").isEmpty());
        }
        assertSameBytes(in, out, Set.of(1, 2), false);
        assertSameLogits(in, Set.of(1, 2), out);
    }

    @Test
    void perLayerArraysAreShortenedAndTheModelRunsAsSkipped(@TempDir Path dir) throws Exception {
        Path in = conformance("hetero-q4_k_m.gguf");
        Path out = dir.resolve("hetero-pruned.gguf");
        try (GgufFile f = GgufFile.open(in)) {
            BlockPruner.prune(f, out, Set.of(1), false);
        }
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals(3, g.metadata().getInt("llama.block_count"));
            assertArrayEquals(new int[]{4, 4, 1}, g.metadata().getIntArray("llama.attention.head_count"));
            assertArrayEquals(new int[]{2, 2, 1}, g.metadata().getIntArray("llama.attention.head_count_kv"));
            assertArrayEquals(new int[]{768, 256, 768}, g.metadata().getIntArray("llama.feed_forward_length"));
        }
        assertSameBytes(in, out, Set.of(1), false);
        assertSameLogits(in, Set.of(1), out);
    }

    @Test
    void modelWithGapsIsRenumberedOrKeepsItsGaps(@TempDir Path dir) throws Exception {
        Path in = conformance("gap-q8_0.gguf"); // block_count 6, blocks 2 and 4 absent
        Path renumbered = dir.resolve("renumbered.gguf");
        Path gaps = dir.resolve("gaps.gguf");
        try (GgufFile f = GgufFile.open(in)) {
            var o = BlockPruner.prune(f, renumbered, Set.of(3), false);
            assertEquals(List.of(0, 1, 5), o.kept());
            assertEquals(List.of(2, 3, 4), o.removedOriginal());
            var k = BlockPruner.prune(f, gaps, Set.of(3), true);
            assertEquals(6, k.blockCount());
        }
        try (Model r = Lopper.load(renumbered); Model g = Lopper.load(gaps)) {
            assertEquals(List.of(0, 1, 2), r.config().runningBlocks());
            assertEquals(List.of(), r.config().missingBlocks());
            assertEquals(List.of(0, 1, 5), g.config().runningBlocks());
            assertEquals(List.of(2, 3, 4), g.config().missingBlocks());
        }
        assertSameBytes(in, renumbered, Set.of(3), false);
        assertSameBytes(in, gaps, Set.of(3), true);
        assertSameLogits(in, Set.of(3), renumbered);
        assertSameLogits(in, Set.of(3), gaps);
    }

    @Test
    void pruningTwiceRecordsOriginalNumbers(@TempDir Path dir) throws Exception {
        Path once = dir.resolve("once.gguf");
        Path twice = dir.resolve("twice.gguf");
        try (GgufFile f = GgufFile.open(conformance("tiny-q4_k_m.gguf"))) {
            BlockPruner.prune(f, once, Set.of(1), false);           // 0 2 3 -> 0 1 2
        }
        try (GgufFile f = GgufFile.open(once)) {
            assertEquals(List.of(1, 3), BlockPruner.prune(f, twice, Set.of(2), false).removedOriginal());
        }
        assertSameLogits(conformance("tiny-q4_k_m.gguf"), Set.of(1, 3), twice);
    }

    @Test
    void everySharedPrunedFixturePrunesToWhatSkippingGives(@TempDir Path dir) throws Exception {
        Path shared = PruneTestData.projectRoot().resolveSibling("shared/fixtures/pruned");
        if (!Files.isDirectory(shared)) {
            return; // the in-repo fixtures above cover uniform, per-layer and gap models
        }
        List<Path> models;
        try (Stream<Path> s = Files.list(shared)) {
            models = s.filter(p -> p.toString().endsWith(".gguf")).sorted().toList();
        }
        for (Path in : models) {
            List<Integer> running;
            try (Model m = Lopper.load(in)) {
                running = m.config().runningBlocks();
            }
            Set<Integer> drop = Set.of(running.get(running.size() > 2 ? 1 : 0));
            Path out = dir.resolve(in.getFileName());
            try (GgufFile f = GgufFile.open(in)) {
                BlockPruner.prune(f, out, drop, false);
            }
            assertSameBytes(in, out, drop, false);
            assertSameLogits(in, drop, out);
        }
    }

    @Test
    void theInputIsNeverOverwrittenAndAFailedRunLeavesNothing(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("model.gguf");
        Files.copy(conformance("gap-q8_0.gguf"), in);
        String before = sha256(in);
        try (GgufFile f = GgufFile.open(in)) {
            var e = assertThrows(IllegalArgumentException.class, () -> BlockPruner.prune(f, in, Set.of(3), false));
            assertTrue(e.getMessage().contains("input"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> BlockPruner.prune(f, dir.resolve("out.gguf"), Set.of(2), false));
            assertTrue(e.getMessage().contains("no block 2"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> BlockPruner.prune(f, dir.resolve("out.gguf"), Set.of(0, 1, 3, 5), false));
            assertTrue(e.getMessage().contains("leaves no block"), e.getMessage());
            assertThrows(IOException.class,
                    () -> BlockPruner.prune(f, dir.resolve("no/such/dir/out.gguf"), Set.of(3), false));
        }
        assertEquals(before, sha256(in));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(in), s.toList(), "nothing but the input is left");
        }
    }

    /** Every tensor of the output holds the same bytes as the input tensor it came from. */
    static void assertSameBytes(Path in, Path out, Set<Integer> dropped, boolean keepGaps) throws IOException {
        try (GgufFile a = GgufFile.open(in); GgufFile b = GgufFile.open(out)) {
            List<Integer> kept = new ArrayList<>();
            for (int i = 0; i < a.metadata().getInt("llama.block_count"); i++) {
                if (!dropped.contains(i) && a.tensor("blk." + i + ".attn_q.weight").isPresent()) {
                    kept.add(i);
                }
            }
            int expected = 0;
            for (TensorInfo t : a.tensors()) {
                String name = t.name();
                if (name.startsWith("blk.")) {
                    int blk = Integer.parseInt(name.split("\\.")[1]);
                    if (dropped.contains(blk)) {
                        continue;
                    }
                    name = "blk." + (keepGaps ? blk : kept.indexOf(blk)) + name.substring(name.indexOf('.', 4));
                }
                TensorInfo u = b.tensor(name).orElseThrow(() -> new AssertionError("missing " + t.name()));
                assertEquals(t.type(), u.type(), name);
                assertArrayEquals(t.shape(), u.shape(), name);
                assertEquals(-1, a.data(t).mismatch(b.data(u)), name + " copied byte for byte");
                expected++;
            }
            assertEquals(expected, b.tensors().size());
        }
    }

    /** The pruned file's logits after every position equal the original's with {@code skip} left out. */
    static void assertSameLogits(Path original, Set<Integer> skip, Path pruned) throws IOException {
        try (Model a = Lopper.load(original, new Lopper.Options(2, 0, skip));
             Model b = Lopper.load(pruned, new Lopper.Options(2, 0))) {
            int vocab = a.config().vocabSize();
            float[] la = new float[PROMPT.length * vocab];
            float[] lb = new float[PROMPT.length * vocab];
            a.newSession(PROMPT.length).append(PROMPT, la);
            b.newSession(PROMPT.length).append(PROMPT, lb);
            for (int i = 0; i < la.length; i++) {
                assertEquals(la[i], lb[i], 1e-4f * Math.max(1f, Math.abs(la[i])), pruned.getFileName() + " logit " + i);
            }
        }
    }

    static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }
}
