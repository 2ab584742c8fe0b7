package dev.lopper.convert.safetensors;

import dev.lopper.convert.io.FormatException;

/** A safetensors file or its shard index is malformed: names the file, the tensor or field, and the byte offset. */
public final class SafetensorsFormatException extends FormatException {
    private static final long serialVersionUID = 1L;

    public SafetensorsFormatException(String file, String detail, long offset) {
        super(file, detail, offset);
    }
}
