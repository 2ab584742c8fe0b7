package dev.lopper.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ctrl-C during {@code generate}: SIGINT while the answer streams ends the process with 130 and nothing more (no
 * timing line). The JVM under test is started through {@code env --default-signal=INT}: a test JVM launched in the
 * background by a non-interactive shell inherits SIGINT as ignored, and the JVM then never sees it. The model is a
 * one-block Sheared-LLaMA-shaped synthetic file, slow enough that the signal lands mid-answer.
 */
class GenerateInterruptTest {

    @TempDir
    Path dir;

    @Test
    void sigintDuringTheAnswerExits130WithNothingMore() throws Exception {
        Path model = dir.resolve("one-block.gguf");
        Cli.Run synth = Cli.run("synth", "--preset", "sheared-llama-1.3b", "--layers", "1", "--type", "q4_0",
                "-o", model.toString());
        assertEquals(0, synth.exit(), synth.err());

        List<String> cmd = new ArrayList<>(List.of("env", "--default-signal=INT"));
        cmd.addAll(Cli.javaCommand("generate", "-m", model.toString(), "-p", "Once upon a time", "-n", "100000",
                "-c", "4096", "--temp", "0", "-t", "1"));
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        try {
            CompletableFuture<String> err = read(p.getErrorStream());
            InputStream out = p.getInputStream();
            byte[] first = new byte[1];
            assertEquals(1, out.read(first), "generate printed nothing");
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start();
            assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -INT failed");
            String rest = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "generate did not stop after SIGINT");
            String stderr = err.join();
            assertEquals(GenerateCommand.INTERRUPTED, p.exitValue(), "exit code; stderr: " + stderr);
            assertFalse(stderr.contains("t/s"), "a timing line after Ctrl-C: " + stderr);
            assertFalse(stderr.contains("Exception"), stderr);
            assertTrue(rest.length() < 4096, "kept printing after SIGINT: " + rest.length() + " chars");
        } finally {
            p.destroyForcibly();
        }
    }

    private static CompletableFuture<String> read(InputStream s) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new String(s.readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }
}
