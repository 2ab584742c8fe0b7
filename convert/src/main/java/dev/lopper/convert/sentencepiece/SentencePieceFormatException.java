package dev.lopper.convert.sentencepiece;

import dev.lopper.convert.io.FormatException;

/** A SentencePiece {@code tokenizer.model} is not a valid ModelProto: names the file, the field and the byte offset. */
public final class SentencePieceFormatException extends FormatException {
    private static final long serialVersionUID = 1L;

    public SentencePieceFormatException(String file, String detail, long offset) {
        super(file, detail, offset);
    }
}
