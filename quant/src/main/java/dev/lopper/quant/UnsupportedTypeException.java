package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

/** A tensor type this build cannot read (or write); the message names the type. */
public final class UnsupportedTypeException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final transient GgmlType type;

    public UnsupportedTypeException(GgmlType type) {
        super("tensor type " + type + " (ggml type id " + type.id() + ") is not supported");
        this.type = type;
    }

    public GgmlType type() {
        return type;
    }
}
