package dev.lopper.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad option values exit 2 with one line naming the option and the usage hint; bad input text names the byte.
 * The rows of docs/bad-inputs.md name these tests.
 */
class BadArgumentsTest {

    /** Exit 2, "lopper: MESSAGE" then the usage hint, no stack trace, no double prefix. */
    private static void assertBadArgument(Cli.Run r, String message) {
        assertEquals(2, r.exit(), "exit code; stderr: " + r.err());
        var lines = r.errLines();
        assertEquals(2, lines.size(), r.err());
        assertEquals("lopper: " + message, lines.getFirst());
        assertTrue(lines.get(1).startsWith("Try 'lopper"), lines.get(1));
        assertFalse(r.err().contains("Error:"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void samplingValuesOutOfRange() throws Exception {
        assertBadArgument(Cli.run("generate", "-n", "-5"), "-n must be -1 (no limit) or more, got -5");
        assertBadArgument(Cli.run("generate", "--temp", "-1"), "--temp must be a number >= 0, got -1.0");
        assertBadArgument(Cli.run("generate", "--top-p", "2"), "--top-p must be in [0, 1], got 2.0");
        assertBadArgument(Cli.run("chat", "--min-p", "-0.5", "-p", "hi"), "--min-p must be in [0, 1], got -0.5");
        assertBadArgument(Cli.run("chat", "-n", "-2", "-p", "hi"), "-n must be -1 (no limit) or more, got -2");
        assertEquals(2, Cli.run("generate", "--temp", "abc").exit());
    }

    @Test
    void templateNameThreadsAndContext() throws Exception {
        assertBadArgument(Cli.run("chat", "--template", "nope", "-p", "hi"), "--template: unknown chat template "
                + "'nope'; valid names: vicuna_v1.1, alpaca, llama-2, chatml, zephyr, llama3, mistral-v1, mistral-v3, "
                + "mistral-v3-tekken, mistral-v7, mistral, completion");
        assertBadArgument(Cli.run("generate", "-t", "0"), "--threads must be at least 1, got 0");
        assertBadArgument(Cli.run("bench", "-t", "0"), "-t must be at least 1, got 0");
        assertBadArgument(Cli.run("generate", "-c", "-1"),
                "--ctx-size must be 0 (the model's context) or more, got -1");
        Cli.Run zero = Cli.run("generate", "-c", "0", "-n", "2", "--no-perf");
        assertEquals(0, zero.exit(), "--ctx-size 0 is the model's context: " + zero.err());
        Cli.Run many = Cli.run("generate", "-t", "999", "-n", "1", "--no-perf");
        assertEquals(0, many.exit(), many.err());
        assertTrue(many.errLines().getFirst().startsWith("lopper: warning: --threads 999 is more than the "),
                many.err());
    }

    @Test
    void unknownCommandListsTheCommands() throws Exception {
        Cli.Run r = Cli.run("nope");
        assertEquals(2, r.exit(), r.err());
        String first = r.errLines().getFirst();
        assertTrue(first.startsWith("lopper: unknown command 'nope'; the commands are: chat, generate, inspect, "),
                first);
        assertTrue(first.contains(", serve") && first.endsWith(", help"), first);
        assertTrue(r.errLines().get(1).startsWith("Try 'lopper --help'"), r.err());
    }

    @Test
    void synthLayersAboveThePreset() throws Exception {
        assertBadArgument(Cli.run("synth", "--preset", "tiny", "--layers", "5", "-o", "/tmp/never.gguf"),
                "--layers 5 is more than the 2 blocks of tiny; a synthetic model keeps the first N blocks of the "
                        + "preset");
    }

    @Test
    void templateTurnsKeepTheirOrder() throws Exception {
        assertBadArgument(Cli.run("template", "--assistant", "A", "--user", "U"),
                "--assistant comes before any --user: a conversation starts with the user");
        Cli.Run r = Cli.run("template", "--template", "chatml", "--user", "U1", "--user", "U2", "--assistant", "A",
                "--user", "U3");
        assertEquals(0, r.exit(), r.err());
        String out = r.out();
        assertTrue(out.indexOf("U1") < out.indexOf("U2") && out.indexOf("U2") < out.indexOf("A<")
                && out.indexOf("A<") < out.indexOf("U3"), out);
    }

    @Test
    void invalidUtf8NamesTheByte(@TempDir Path dir) throws Exception {
        Path bad = Files.write(dir.resolve("bad.txt"), new byte[] {'O', 'n', 'c', 'e', ' ', (byte) 0xFF, 'x'});
        Cli.Run file = Cli.run("generate", "-f", bad.toString(), "-n", "1");
        assertEquals(1, file.exit());
        assertEquals("lopper: " + bad + ": invalid UTF-8 at byte 5 (0xFF); the text must be UTF-8",
                file.errLines().getFirst());
        assertBadArgument(Cli.run("generate", "-p", "x", "-f", bad.toString()),
                "give the prompt with -p or -f, not both");
        Cli.Run dirAsFile = Cli.run("generate", "-f", dir.toString());
        assertEquals("lopper: " + dir + " is a directory, not a text file", dirAsFile.errLines().getFirst());
    }

    @Test
    void tokenizeShowsBytePiecesAndADoubledBos() throws Exception {
        Cli.Run r = Cli.run("tokenize", "-p", "\u65e5x");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("-> '<0xE6>'") && r.out().contains("-> '<0x97>'"), r.out());
        assertFalse(r.out().contains("\ufffd"), r.out());
        Cli.Run bos = Cli.run("tokenize", "-p", "<s>Hi", "--ids");
        assertEquals("[1, 1, 320, 417]", bos.out().strip());
        assertTrue(bos.errLines().getFirst().startsWith("lopper: warning: the text starts with BOS ('<s>') and "
                + "another BOS was added"), bos.err());
        assertEquals(java.util.List.of(), Cli.run("tokenize", "-p", "<s>Hi", "--no-bos").errLines());
    }

    @Test
    void versionNamesTheCommit() throws Exception {
        Cli.Run r = Cli.run("--version");
        assertEquals(0, r.exit());
        assertTrue(r.out().lines().findFirst().orElseThrow().matches("lopper \\S+ \\(commit [0-9a-f]{7,}.*\\)"),
                r.out());
    }
}
