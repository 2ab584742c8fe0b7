package dev.lopper.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenerateCommandTest {

    @Test
    void greedyDemoModelReproducesLlama2cByteForByte() throws Exception {
        String expected = Files.readString(Cli.projectRoot().resolve("models/stories260K.greedy200.txt"));
        Cli.Run r = Cli.run("generate", "-n", "200", "--temp", "0");
        assertEquals(0, r.exit(), r.err());
        assertEquals(expected, r.out());
        assertEquals(1, r.errLines().size(), "only the timing summary on stderr: " + r.err());
        assertTrue(r.errLines().getFirst().matches("lopper: prompt 1 tokens in [0-9.]+ s \\([0-9.]+ t/s\\), "
                + "generation 200 tokens in [0-9.]+ s \\([0-9.]+ t/s\\)"), r.err());
        Cli.Run quiet = Cli.run("generate", "-n", "5", "--temp", "0", "--no-perf");
        assertEquals(java.util.List.of(), quiet.errLines(), "--no-perf: nothing on stderr");
    }

    @Test
    void promptIsContinuedNotEchoed() throws Exception {
        Cli.Run r = Cli.run("generate", "-p", "Once upon a time", "-n", "12", "--temp", "0");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith(","), "continues after the prompt: " + r.out());
    }

    @Test
    void promptFromFileAndStdin(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        Cli.Run fromArg = Cli.run("generate", "-p", "Once upon a time", "-n", "12", "--temp", "0");
        java.nio.file.Path f = Files.writeString(dir.resolve("prompt.txt"), "Once upon a time");
        Cli.Run fromFile = Cli.run("generate", "-f", f.toString(), "-n", "12", "--temp", "0");
        Cli.Run fromStdin = Cli.runWithInput("Once upon a time", "generate", "-f", "-", "-n", "12", "--temp", "0");
        assertEquals(0, fromFile.exit(), fromFile.err());
        assertEquals(fromArg.out(), fromFile.out());
        assertEquals(fromArg.out(), fromStdin.out());
    }

    @Test
    void longPromptTruncatedOnRequest(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path f = Files.writeString(dir.resolve("long.txt"), "Once upon a time ".repeat(50));
        Cli.Run refused = Cli.run("generate", "-f", f.toString(), "-n", "4", "-c", "64");
        assertEquals(1, refused.exit());
        assertTrue(refused.errLines().getFirst().contains("but the context holds 64 (raise --ctx-size (the model "
                + "allows 2048), or use --truncate-prompt"), refused.err());
        Cli.Run cut = Cli.run("generate", "-f", f.toString(), "-n", "4", "-c", "64", "--truncate-prompt", "--temp", "0");
        assertEquals(0, cut.exit(), cut.err());
        assertTrue(cut.errLines().getFirst().startsWith("lopper: prompt truncated: dropped its first"), cut.err());
        assertTrue(cut.errLines().get(1).startsWith("lopper: prompt 60 tokens"), cut.err());
    }

    @Test
    void sameSeedSameText() throws Exception {
        Cli.Run a = Cli.run("generate", "-n", "40", "--seed", "7", "--temp", "1.0");
        Cli.Run b = Cli.run("generate", "-n", "40", "--seed", "7", "--temp", "1.0");
        assertEquals(0, a.exit(), a.err());
        assertEquals(a.out(), b.out());
    }
}
