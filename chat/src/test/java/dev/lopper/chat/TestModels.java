package dev.lopper.chat;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the chat tests find the bundled demo model: {@code models/} of the project root above the module. */
final class TestModels {
    private TestModels() {
    }

    static Path demo() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("models/stories260K.gguf"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("models/stories260K.gguf not found above " + Path.of("").toAbsolutePath());
        }
        return dir.resolve("models/stories260K.gguf");
    }
}
