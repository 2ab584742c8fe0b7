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
        Path demo = Cli.projectRoot().resolve("models/stories260K.gguf");
        byte[] all = Files.readAllBytes(demo);
        long dataOffset;
        try (dev.lopper.gguf.GgufFile f = dev.lopper.gguf.GgufFile.open(demo)) {
            dataOffset = f.dataOffset();
        }
        // Cut before the tensor data: nothing can be read, every command says the file is truncated.
        for (int cut : new int[]{3, 100, 5000}) {
            Path bad = dir.resolve("cut" + cut + ".gguf");
            Files.write(bad, Arrays.copyOf(all, cut));
            for (String cmd : new String[]{"generate", "inspect", "tokenize"}) {
                Cli.Run r = switch (cmd) {
                    case "inspect" -> Cli.run("inspect", bad.toString());
                    case "tokenize" -> Cli.run("tokenize", "-m", bad.toString(), "-p", "hi");
                    default -> Cli.run("generate", "-m", bad.toString(), "-n", "1");
                };
                assertOneLineError(r, 1, "cut" + cut + ".gguf");
                assertTrue(r.errLines().getFirst().contains("truncated"), r.err());
                assertEquals(1, r.errLines().size(), r.err());
            }
        }
        // Cut inside the tensor data: running fails, but the metadata and vocabulary are whole.
        for (int cut : new int[]{all.length / 2, all.length - 1}) {
            assertTrue(cut > dataOffset);
            Path bad = dir.resolve("cut" + cut + ".gguf");
            Files.write(bad, Arrays.copyOf(all, cut));
            Cli.Run gen = Cli.run("generate", "-m", bad.toString(), "-n", "1");
            assertOneLineError(gen, 1, "cut" + cut + ".gguf");
            assertTrue(gen.err().contains("truncated"), gen.err());

            Cli.Run inspect = Cli.run("inspect", bad.toString());
            assertEquals(0, inspect.exit(), inspect.err());
            assertTrue(inspect.out().contains("tokenizer.ggml.model"), inspect.out());
            String warning = inspect.errLines().getFirst();
            assertTrue(warning.startsWith("lopper: warning: cut" + cut + ".gguf is truncated: "
                    + (all.length - cut) + " bytes of tensor data missing"), warning);

            Cli.Run tok = Cli.run("tokenize", "-m", bad.toString(), "-p", "Once upon a time", "--ids");
            assertEquals(0, tok.exit(), tok.err());
            assertEquals(Cli.run("tokenize", "-p", "Once upon a time", "--ids").out(), tok.out());
            Cli.Run tpl = Cli.run("template", "-m", bad.toString(), "--user", "Hi");
            assertEquals(0, tpl.exit(), tpl.err());
        }
    }

    @Test
    void directoryAsModel(@TempDir Path dir) throws Exception {
        assertOneLineError(Cli.run("generate", "-m", dir.toString(), "-n", "1"), 1, dir + " is a directory");
        assertOneLineError(Cli.run("inspect", dir.toString()), 1, dir + " is a directory");
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
        assertOneLineError(Cli.run("generate", "--top-p", "3", "-n", "1"), 2, "top-p");
    }

    @Test
    void contextOverflowIsAnError() throws Exception {
        Cli.Run r = Cli.run("generate", "-p", "Once upon a time there was a dog", "-c", "4", "-n", "1");
        assertOneLineError(r, 1, "context");
    }
}
