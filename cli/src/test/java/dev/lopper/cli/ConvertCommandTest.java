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

class ConvertCommandTest {
    @TempDir
    Path dir;

    private static Path fixture(String name) {
        return Cli.projectRoot().resolve("testdata/gptq").resolve(name);
    }

    @Test
    void convertsWvuShardsRefusesToOverwriteAndTheResultGenerates() throws Exception {
        Path out = dir.resolve("wvu.gguf");
        Cli.Run r = Cli.run("convert", fixture("gptq-wvu-bin-shards").toString(), "-o", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("wrote wvu.gguf: 48 tensors ("), r.out());
        assertTrue(r.out().contains("28 Q4_1") && r.out().contains("28 GPTQ tensors (largest error"), r.out());
        assertTrue(r.err().contains("note: config.json bos_token_id 0 disagrees with the tokenizer"), r.err());
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals(GgmlType.Q4_1, f.tensor("blk.0.attn_q.weight").orElseThrow().type());
            assertEquals(GgmlType.F16, f.tensor("blk.4.attn_q.weight").orElseThrow().type());
            assertEquals(1, f.metadata().getInt("tokenizer.ggml.bos_token_id"));
            assertEquals(2, f.metadata().getInt("tokenizer.ggml.eos_token_id"));
        }
        long size = Files.size(out);

        Cli.Run again = Cli.run("convert", fixture("gptq-wvu-bin-shards").toString(), "-o", out.toString(),
                "--outtype", "f16");
        assertEquals(1, again.exit());
        assertEquals(1, again.errLines().size(), again.err());
        assertTrue(again.err().contains("already exists") && again.err().contains("--force"), again.err());
        assertEquals(size, Files.size(out), "the existing file is untouched");

        Cli.Run gen = Cli.run("generate", "-m", out.toString(), "-n", "4", "--temp", "0");
        assertEquals(0, gen.exit(), gen.err());

        Cli.Run forced = Cli.run("convert", fixture("gptq-wvu-bin-shards").toString(), "-o", out.toString(),
                "--outtype", "f16", "--force");
        assertEquals(0, forced.exit(), forced.err());
        assertTrue(forced.out().contains("F16"), forced.out());
    }

    @Test
    void badArgumentsExitTwoAndFailuresExitOneLeavingNothing() throws Exception {
        Cli.Run badType = Cli.run("convert", fixture("gptq-4bit-128g").toString(), "-o",
                dir.resolve("x.gguf").toString(), "--outtype", "q5_k");
        assertEquals(2, badType.exit(), badType.err());
        assertTrue(badType.err().contains("--outtype"), badType.err());

        Cli.Run noOut = Cli.run("convert", fixture("gptq-4bit-128g").toString());
        assertEquals(2, noOut.exit(), noOut.err());

        Path broken = Files.createDirectories(dir.resolve("broken"));
        Files.writeString(broken.resolve("config.json"), "{\"architectures\": [\"LlamaForCausalLM\"],");
        Path outDir = Files.createDirectories(dir.resolve("out"));
        Cli.Run r = Cli.run("convert", broken.toString(), "-o", outDir.resolve("x.gguf").toString());
        assertEquals(1, r.exit());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.errLines().get(0).startsWith("lopper: config.json: not valid JSON"), r.err());
        try (Stream<Path> s = Files.list(outDir)) {
            assertEquals(0, s.count(), "nothing left behind");
        }
    }
}
