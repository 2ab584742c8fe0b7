package dev.lopper.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input gets one line on stderr naming what is wrong, a non-zero exit, and never a stack trace. */
class ErrorHandlingTest {

    private static void assertOneLineError(Cli.Run r, int exit, String mustMention) {
        assertEquals(exit, r.exit(), "exit code; stderr: " + r.err());
        var lines = r.errLines();
        assertFalse(lines.isEmpty(), "an error message");
        assertTrue(lines.getFirst().startsWith("lopper: "), lines.getFirst());
        assertTrue(lines.getFirst().contains(mustMention), lines.getFirst() + " should mention " + mustMention);
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        assertFalse(r.err().contains("Exception"), "no exception class names: " + r.err());
    }

    @Test
    void missingModelFile() throws Exception {
        Cli.Run r = Cli.run("generate", "-m", "/nonexistent/model.gguf", "-n", "1");
        assertOneLineError(r, 1, "/nonexistent/model.gguf");
        assertEquals(1, r.errLines().size());
    }

    @Test
    void truncatedModelFile(@TempDir Path dir) throws Exception {
        byte[] all = Files.readAllBytes(Cli.projectRoot().resolve("models/stories260K.gguf"));
        for (int cut : new int[]{3, 100, 5000, all.length / 2, all.length - 1}) {
            Path bad = dir.resolve("cut" + cut + ".gguf");
            Files.write(bad, Arrays.copyOf(all, cut));
            for (String cmd : new String[]{"generate", "inspect"}) {
                Cli.Run r = cmd.equals("inspect") ? Cli.run("inspect", bad.toString())
                        : Cli.run("generate", "-m", bad.toString(), "-n", "1");
                assertOneLineError(r, 1, "cut" + cut + ".gguf");
                assertEquals(1, r.errLines().size(), r.err());
            }
        }
    }

    @Test
    void notAGgufFile(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("notes.gguf");
        Files.writeString(bad, "this is not a model at all, just some text");
        assertOneLineError(Cli.run("inspect", bad.toString()), 1, "notes.gguf");
    }

    @Test
    void badArgumentsExitTwo() throws Exception {
        assertOneLineError(Cli.run("generate", "--temp", "hot"), 2, "--temp");
        assertOneLineError(Cli.run("generate", "--no-such-option"), 2, "--no-such-option");
        assertOneLineError(Cli.run("generate", "--top-p", "3", "-n", "1"), 1, "top-p");
    }

    @Test
    void contextOverflowIsAnError() throws Exception {
        Cli.Run r = Cli.run("generate", "-p", "Once upon a time there was a dog", "-c", "4", "-n", "1");
        assertOneLineError(r, 1, "context");
    }
}
