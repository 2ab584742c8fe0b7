package dev.lopper.chat.example;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The example of docs/java-api.md runs, prints a story, and is the very code the page shows. */
class HelloLopperTest {
    private static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(dir.resolve("docs"))) {
            dir = dir.getParent();
        }
        return dir;
    }

    @Test
    void runsAndPrintsAnAnswer() throws Exception {
        PrintStream saved = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            HelloLopper.main(new String[]{root().resolve("models/stories260K.gguf").toString()});
        } finally {
            System.setOut(saved);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        String[] lines = out.split("\n");
        assertTrue(lines.length >= 2 && lines[0].strip().length() > 10, "a story, then the figures:\n" + out);
        assertTrue(lines[lines.length - 1].matches("\\d+ prompt tokens, \\d+ generated, [0-9.,]+ tokens/s"), out);
    }

    @Test
    void docsShowThisExample() throws Exception {
        String source = Files.readString(root().resolve(
                "chat/src/test/java/dev/lopper/chat/example/HelloLopper.java"));
        String shown = source.substring(source.indexOf("import "));
        String docs = Files.readString(root().resolve("docs/java-api.md"));
        assertTrue(docs.contains(shown), "docs/java-api.md must show HelloLopper.java from its imports on");
    }
}
