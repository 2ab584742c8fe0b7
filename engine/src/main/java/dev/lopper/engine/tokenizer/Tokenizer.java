package dev.lopper.engine.tokenizer;

import dev.lopper.gguf.GgufMetadata;

/**
 * Text ↔ token ids for a GGUF vocabulary, reproducing llama.cpp's {@code llama_tokenize} and detokenize.
 *
 * <p>Implementations are immutable and safe to share between threads.
 */
public sealed interface Tokenizer permits SentencePieceTokenizer, BpeTokenizer {

    /**
     * The tokenizer named by {@code tokenizer.ggml.model}: {@code llama} → {@link SentencePieceTokenizer},
     * {@code gpt2} → {@link BpeTokenizer}.
     *
     * @throws IllegalArgumentException for another model, naming it, or for an incomplete vocabulary
     */
    static Tokenizer fromGguf(GgufMetadata md) {
        return of(Vocabulary.fromGguf(md));
    }

    /** The tokenizer for a vocabulary. */
    static Tokenizer of(Vocabulary vocabulary) {
        return switch (vocabulary.model()) {
            case Vocabulary.MODEL_SENTENCE_PIECE -> new SentencePieceTokenizer(vocabulary);
            case Vocabulary.MODEL_BPE -> new BpeTokenizer(vocabulary);
            default -> throw new IllegalArgumentException("unsupported " + Vocabulary.KEY_MODEL + " '"
                    + vocabulary.model() + "'");
        };
    }

    Vocabulary vocabulary();

    /**
     * Token ids for {@code text}.
     *
     * @param addSpecial   add BOS / EOS as the vocabulary's add_bos / add_eos flags say
     * @param parseSpecial recognise the text of control tokens (such as {@code <s>}) in the input; user-defined
     *                     tokens are always recognised
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /** The raw bytes token {@code id} stands for; control and unknown tokens give nothing. */
    default byte[] pieceBytes(int id) {
        return pieceBytes(id, false);
    }

    /** The raw bytes token {@code id} stands for; control and unknown tokens give their text when {@code renderSpecial}. */
    byte[] pieceBytes(int id, boolean renderSpecial);

    /**
     * The text of {@code ids}, as llama.cpp detokenizes: control tokens give nothing, byte pieces are joined into
     * UTF-8 (invalid bytes become U+FFFD), the first piece with text loses one leading space when the vocabulary adds
     * a space prefix, and byte-level BPE vocabularies get llama.cpp's clean-up of spaces before {@code ?!.,} and
     * contractions. One deliberate difference: a leading BOS does not use up the space removal (llama.cpp's would),
     * so {@code [BOS, ▁Once]} decodes to {@code "Once"} as SentencePiece and llama2.c decode it.
     */
    default String decode(int[] ids) {
        return decode(ids, false);
    }

    /** As {@link #decode(int[])}, showing control tokens as their text when {@code renderSpecial}. */
    String decode(int[] ids, boolean renderSpecial);

    default int bos() {
        return vocabulary().bos();
    }

    default int eos() {
        return vocabulary().eos();
    }

    /** Whether {@code id} ends generation: EOS, EOT, EOM or another end-of-turn token. */
    default boolean isEndOfGeneration(int id) {
        return vocabulary().endOfGeneration().contains(id);
    }

    default int vocabSize() {
        return vocabulary().size();
    }
}
