package dev.lopper.cli;

import dev.lopper.gguf.GgmlType;
import dev.lopper.gguf.GgufFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SynthCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesRefusesToOverwriteUnlessForced() throws Exception {
        Path out = dir.resolve("tiny.gguf");
        Cli.Run r = Cli.run("synth", "--preset", "tiny", "--type", "q4_k_m", "-o", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("wrote " + out), r.out());
        assertTrue(r.out().contains("Q4_K:12 Q5_0:1 Q6_K:2 Q8_0:1 F32:5"), r.out());
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals(GgmlType.Q5_0, f.tensor("blk.0.ffn_down.weight").orElseThrow().type());
            assertEquals(GgmlType.Q8_0, f.tensor("blk.1.ffn_down.weight").orElseThrow().type());
        }
        long size = Files.size(out);

        Cli.Run again = Cli.run("synth", "--preset", "tiny", "--type", "q8_0", "-o", out.toString());
        assertEquals(1, again.exit());
        assertEquals(1, again.errLines().size(), again.err());
        assertTrue(again.err().contains("already exists") && again.err().contains("--force"), again.err());
        assertEquals(size, Files.size(out), "the existing file is untouched");

        Cli.Run forced = Cli.run("synth", "--preset", "tiny", "--type", "q8_0", "-o", out.toString(), "--force");
        assertEquals(0, forced.exit(), forced.err());
        assertTrue(Files.size(out) > size, "Q8_0 is larger than Q4_K_M");
    }

    @Test
    void badPresetOrTypeIsOneLineListingTheValidNames() throws Exception {
        Cli.Run r = Cli.run("synth", "--preset", "llama-7b", "-o", dir.resolve("x.gguf").toString());
        assertEquals(1, r.exit());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().contains("unknown preset 'llama-7b'") && r.err().contains("sheared-llama-1.3b")
                && r.err().contains("st-vicuna-10.5b"), r.err());

        Cli.Run t = Cli.run("synth", "--preset", "tiny", "--type", "q1_k_m", "-o", dir.resolve("x.gguf").toString());
        assertEquals(1, t.exit());
        assertEquals(1, t.errLines().size(), t.err());
        assertTrue(t.err().contains("unknown type 'q1_k_m'") && t.err().contains("Q4_K_M"), t.err());
        assertTrue(Files.notExists(dir.resolve("x.gguf")));
    }

    @Test
    void listShowsPresetsAndMixes() throws Exception {
        Cli.Run r = Cli.run("synth", "--list");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("st-vicuna-5.5b"), r.out());
        assertTrue(r.out().contains("Q4_K:133 Q5_0:12 Q6_K:13 Q8_0:12 F32:49"), r.out());
    }
}
