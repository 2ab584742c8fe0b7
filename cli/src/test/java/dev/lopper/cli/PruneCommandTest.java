package dev.lopper.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PruneCommandTest {
    static final String TEXT = PerplexityCommandTest.TEXT;

    @Test
    void autoPruneDropsTheLeastImportantBlockAndRunsAsSkipping(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("demo-4.gguf");
        Cli.Run r = Cli.run("prune", "--auto", "1", "-f", TEXT, "-c", "128", "--chunks", "4", "--keep-first", "1",
                "--keep-last", "1", "-o", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("rank  block"), r.out());
        assertTrue(r.err().contains("removed blocks [2]"), r.err());
        try (var f = dev.lopper.gguf.GgufFile.open(out)) {
            assertEquals(4, f.metadata().getInt("llama.block_count"));
            assertArrayEquals(new int[]{2}, f.metadata().getIntArray("lopper.prune.removed_blocks"));
        }
        Cli.Run pruned = Cli.run("perplexity", "-m", out.toString(), "-f", TEXT, "-c", "128", "--chunks", "4");
        Cli.Run skipped = Cli.run("perplexity", "-f", TEXT, "-c", "128", "--chunks", "4", "--skip-layers", "2");
        assertEquals(0, pruned.exit(), pruned.err());
        assertEquals(skipped.out(), pruned.out());
    }

    @Test
    void refusesToOverwriteAndLeavesNothingOnFailure(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("demo.gguf");
        Files.copy(Cli.projectRoot().resolve("models/stories260K.gguf"), in);
        byte[] before = Files.readAllBytes(in);
        Cli.Run self = Cli.run("prune", "-m", in.toString(), "--drop", "2", "-o", in.toString(), "--force");
        assertEquals(1, self.exit());
        assertTrue(self.err().contains("input"), self.err());
        Cli.Run missing = Cli.run("prune", "-m", in.toString(), "--drop", "2,9", "-o", dir.resolve("x.gguf").toString());
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("no block 9"), missing.err());
        Cli.Run tooMany = Cli.run("prune", "-m", in.toString(), "--auto", "4", "-f", TEXT, "--keep-first", "1",
                "--keep-last", "1", "-o", dir.resolve("y.gguf").toString());
        assertEquals(1, tooMany.exit());
        assertTrue(tooMany.err().contains("3 blocks are candidates"), tooMany.err());
        assertArrayEquals(before, Files.readAllBytes(in));
        try (var s = Files.list(dir)) {
            assertEquals(List.of(in), s.toList());
        }
    }

    @Test
    void layerImportanceWritesTableCsvAndChart(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("t.csv");
        Path png = dir.resolve("chart.png");
        Cli.Run r = Cli.run("layer-importance", "-f", TEXT, "-c", "64", "--chunks", "3", "--keep-first", "1",
                "--keep-last", "1", "-o", csv.toString(), "--plot", png.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("protected (not scored): [0, 4]"), r.out());
        assertTrue(Files.readString(csv).startsWith("rank,block,ppl_without,ppl_without_error,delta_ppl\n"));
        byte[] head = Files.readAllBytes(png);
        assertEquals((byte) 0x89, head[0]);
        assertEquals('P', head[1]);
        Cli.Run none = Cli.run("layer-importance", "-f", TEXT, "-c", "64");
        assertEquals(1, none.exit());
        assertTrue(none.err().contains("no block is left"), none.err());
        assertFalse(none.err().contains("Exception"), none.err());
    }
    @Test
    void prunesAGptqConvertedModelLikeSkippingTheBlock(@TempDir Path dir) throws Exception {
        Path converted = dir.resolve("gptq.gguf");
        Cli.Run conv = Cli.run("convert", Cli.projectRoot().resolve("testdata/gptq/gptq-4bit-128g").toString(),
                "-o", converted.toString());
        assertEquals(0, conv.exit(), conv.err());
        Path pruned = dir.resolve("gptq-pruned.gguf");
        Cli.Run prune = Cli.run("prune", "-m", converted.toString(), "--drop", "1", "-o", pruned.toString());
        assertEquals(0, prune.exit(), prune.err());
        int blocks;
        try (var f = dev.lopper.gguf.GgufFile.open(converted)) {
            blocks = f.metadata().getInt("llama.block_count");
        }
        try (var f = dev.lopper.gguf.GgufFile.open(pruned)) {
            assertEquals(blocks - 1, f.metadata().getInt("llama.block_count"));
            assertArrayEquals(new int[]{1}, f.metadata().getIntArray("lopper.prune.removed_blocks"));
        }
        Cli.Run ofPruned = Cli.run("logits", "-m", pruned.toString(), "--tokens", "1,450,351,263,931", "--json");
        Cli.Run skipping = Cli.run("logits", "-m", converted.toString(), "--tokens", "1,450,351,263,931", "--json",
                "--skip-layers", "1");
        Cli.Run whole = Cli.run("logits", "-m", converted.toString(), "--tokens", "1,450,351,263,931", "--json");
        assertEquals(0, ofPruned.exit(), ofPruned.err());
        assertEquals(0, skipping.exit(), skipping.err());
        assertEquals(skipping.out(), ofPruned.out());
        assertFalse(whole.out().equals(ofPruned.out()), "dropping a block must change the logits");
    }
}
