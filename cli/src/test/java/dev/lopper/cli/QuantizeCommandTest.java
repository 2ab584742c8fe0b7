package dev.lopper.cli;

import dev.lopper.gguf.GgmlType;
import dev.lopper.gguf.GgufFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuantizeCommandTest {
    @TempDir
    Path dir;

    @Test
    void quantizesWithLlamaQuantizesMixThenTheModelRuns() throws Exception {
        // the bundled F32 demo model: rows of 64 and 172 columns, so every tensor takes a fallback type
        Path in = Cli.projectRoot().resolve("models/stories260K.gguf");
        Path out = dir.resolve("stories-q4_k_m.gguf");
        Cli.Run r = Cli.run("quantize", in.toString(), out.toString(), "q4_k_m");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("wrote " + out + ": Q4_K_M (Q4_K - Medium)"), r.out());
        assertTrue(r.out().contains("Q5_0:29 Q8_0:3 F16:5 F32:11"), r.out());
        assertTrue(r.out().contains("36 with a fallback type"), r.out());
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals(GgmlType.F16, f.tensor("blk.0.ffn_down.weight").orElseThrow().type()); // 172 columns
            assertEquals(GgmlType.Q8_0, f.tensor("output.weight").orElseThrow().type());
        }
        Cli.Run gen = Cli.run("generate", "-m", out.toString(), "-n", "8", "--temp", "0");
        assertEquals(0, gen.exit(), gen.err());
        assertTrue(gen.out().startsWith("Once upon a time"), gen.out());
    }

    @Test
    void refusesAndLeavesNothing() throws Exception {
        Path quantized = Cli.projectRoot().resolve("testdata/conformance/tiny-q4_k_m.gguf");
        Path out = dir.resolve("out.gguf");
        Cli.Run r = Cli.run("quantize", quantized.toString(), out.toString(), "q8_0");
        assertEquals(1, r.exit());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().contains("already quantized") && r.err().contains("--allow-requantize"), r.err());
        assertEquals(0, count(dir));

        Path copy = dir.resolve("in.gguf");
        Files.copy(quantized, copy);
        Cli.Run self = Cli.run("quantize", copy.toString(), copy.toString(), "q4_k_m", "--force");
        assertEquals(1, self.exit());
        assertTrue(self.err().contains("is the input file"), self.err());
        assertEquals(-1, Files.mismatch(copy, quantized));

        Cli.Run exists = Cli.run("quantize", quantized.toString(), copy.toString(), "q4_k_m");
        assertEquals(1, exists.exit());
        assertTrue(exists.err().contains("already exists") && exists.err().contains("--force"), exists.err());
        assertEquals(1, count(dir));

        Cli.Run usage = Cli.run("quantize", quantized.toString());
        assertEquals(2, usage.exit(), usage.err());
    }

    private static long count(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
