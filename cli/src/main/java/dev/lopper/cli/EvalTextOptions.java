package dev.lopper.cli;

import dev.lopper.engine.eval.TextChunks;
import dev.lopper.engine.tokenizer.Tokenizer;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The text a model is scored on and how it is cut, as {@code llama-perplexity} takes them. */
public final class EvalTextOptions {
    @Option(names = {"-f", "--file"}, paramLabel = "TEXT", description = "UTF-8 text file to score.")
    Path file;

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N", defaultValue = "512",
            description = "Context size: tokens per chunk (default: ${DEFAULT-VALUE}).")
    int ctx;

    @Option(names = "--chunks", paramLabel = "N", defaultValue = "-1", showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER,
            description = "Score at most N chunks (default: all of the text).")
    int chunks;

    @Option(names = {"-b", "--batch-size"}, paramLabel = "N", defaultValue = "64",
            description = "Tokens run through the model at once, at most 64 (default: ${DEFAULT-VALUE}).")
    int batch;

    /** True when {@code -f} was given. */
    boolean hasFile() {
        return file != null;
    }

    /** Reads and tokenizes the text (BOS first) and cuts it into chunks. */
    TextChunks chunks(Tokenizer tokenizer, int modelContext) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("-f TEXT is required");
        }
        if (ctx > modelContext) {
            Terminal.notice("-c " + ctx + " is more than the " + modelContext + " tokens the model was trained on");
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + " is not UTF-8 text");
        }
        return TextChunks.of(tokenizer.encode(text, true, false), ctx, chunks);
    }

    int batch() {
        if (batch < 1) {
            throw new IllegalArgumentException("-b must be positive, got " + batch);
        }
        return batch;
    }
}
