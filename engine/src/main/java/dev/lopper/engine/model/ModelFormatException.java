package dev.lopper.engine.model;

/**
 * A GGUF file that parses but does not describe a model Lopper can run: a missing key or tensor, a shape that
 * does not match the metadata, a half-present block. The message is one line naming the file and the tensor or key.
 */
public final class ModelFormatException extends RuntimeException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
