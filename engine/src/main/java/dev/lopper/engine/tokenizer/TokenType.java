package dev.lopper.engine.tokenizer;

/**
 * What a vocabulary entry is, as GGUF's {@code tokenizer.ggml.token_type} codes it (llama.cpp's
 * {@code llama_token_type}). The ordinal is the GGUF code.
 */
public enum TokenType {
    /** Code 0, or any code outside 0..6. Rendered as nothing. */
    UNDEFINED,
    /** Code 1: ordinary text. */
    NORMAL,
    /** Code 2: {@code <unk>}. */
    UNKNOWN,
    /** Code 3: control tokens such as {@code <s>}, {@code </s>}, {@code <|eot_id|>}. */
    CONTROL,
    /** Code 4: added tokens that are always matched literally in the input. */
    USER_DEFINED,
    /** Code 5: reserved slots. Rendered as nothing. */
    UNUSED,
    /** Code 6: SentencePiece byte-fallback pieces {@code <0xNN>}. */
    BYTE;

    private static final TokenType[] BY_CODE = values();

    /** The type for a GGUF code; unknown codes are {@link #UNDEFINED}, as in llama.cpp. */
    public static TokenType fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : UNDEFINED;
    }

    public int code() {
        return ordinal();
    }

    /** Control and unknown tokens: hidden when decoding unless special rendering is asked for. */
    boolean hiddenUnlessSpecial() {
        return this == CONTROL || this == UNKNOWN;
    }

    /** Tokens split out of the input before tokenizing (user-defined always, control/unknown when parsing specials). */
    boolean isSpecial() {
        return this == CONTROL || this == UNKNOWN || this == USER_DEFINED;
    }
}
