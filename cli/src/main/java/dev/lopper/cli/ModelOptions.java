package dev.lopper.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code -m/--model}: the GGUF file to run; the bundled demo model when omitted. */
public final class ModelOptions {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = "GGUF model file (default: the bundled demo model models/stories260K.gguf).")
    String model;

    /** The model path the user named, or the bundled demo model. */
    public Path path() {
        if (model != null) {
            return Path.of(model);
        }
        return Path.of(System.getProperty("lopper.home", "."), "models", "stories260K.gguf");
    }
}
