package dev.lopper.engine.tokenizer;

import dev.lopper.gguf.GgufMetadata;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BpeTokenizerTest {
    private static final Tokenizer GPT2 = TokenizerFixtures.tokenizer(TokenizerFixtures.resource(TokenizerFixtures.GPT2_VOCAB));

    @Test
    void vocabularyFromGguf() {
        Vocabulary v = GPT2.vocabulary();
        assertEquals("gpt2", v.model());
        assertEquals("gpt-2", v.pre());
        assertEquals("gpt-2", ((BpeTokenizer) GPT2).preTokenizerName());
        assertEquals(50257, GPT2.vocabSize());
        assertEquals(50000, v.merges().size());
        assertEquals(50256, GPT2.bos());
        assertEquals(50256, GPT2.eos());
        assertEquals(Vocabulary.NONE, v.unk());
        assertFalse(v.addBos());
        assertFalse(v.addSpacePrefix());
        assertTrue(GPT2.isEndOfGeneration(50256));
        assertEquals(50256, v.eot()); // found by its text, <|endoftext|>
    }

    @Test
    void addSpecialFollowsTheFlags() {
        // gpt-2 adds neither BOS nor EOS by default
        assertArrayEquals(new int[] {15496, 995}, GPT2.encode("Hello world", true, false));
    }

    @Test
    void parsesControlTokensOnlyWhenAsked() {
        assertArrayEquals(new int[] {15496, 50256, 995}, GPT2.encode("Hello<|endoftext|> world", false, true));
        int[] literal = GPT2.encode("Hello<|endoftext|> world", false, false);
        assertTrue(IntStream.of(literal).noneMatch(id -> id == 50256));
        assertEquals("Hello<|endoftext|> world", GPT2.decode(literal));
        assertEquals("Hello world", GPT2.decode(new int[] {15496, 50256, 995}));
        assertEquals("Hello<|endoftext|> world", GPT2.decode(new int[] {15496, 50256, 995}, true));
    }

    @Test
    void pieceBytesUndoTheByteTable() {
        assertArrayEquals(" world".getBytes(StandardCharsets.UTF_8), GPT2.pieceBytes(995)); // "Ġworld"
        assertArrayEquals(new byte[] {'\n'}, GPT2.pieceBytes(198)); // "Ċ"
        assertArrayEquals(new byte[0], GPT2.pieceBytes(50256));
    }

    /** Byte-level BPE loses nothing: the pieces of every vector concatenate back to the input. */
    @Test
    void piecesRoundTripEveryVector() {
        List<String> failures = new ArrayList<>();
        for (TokenizerFixtures.Case c : TokenizerFixtures.vectors(TokenizerFixtures.GPT2_VOCAB)) {
            StreamDecoder stream = new StreamDecoder(GPT2);
            StringBuilder text = new StringBuilder();
            for (int id : GPT2.encode(c.text(), false, false)) {
                text.append(stream.accept(id));
            }
            text.append(stream.flush());
            if (!text.toString().equals(c.text())) {
                failures.add(c + " -> " + TokenizerFixtures.escape(text.toString()));
            }
        }
        assertEquals(List.of(), failures);
    }

    /** decode() applies llama.cpp's clean_spaces for BPE vocabularies, as llama_detokenize does. */
    @Test
    void decodeCleansSpacesLikeLlamaCpp() {
        assertEquals("Hello, world! Isn't it?", GPT2.decode(GPT2.encode("Hello , world ! Isn't it ?", false, false)));
        assertEquals("he's here", GPT2.decode(GPT2.encode("he 's here", false, false)));
        assertEquals("it 'll do", GPT2.decode(GPT2.encode("it 'll do", false, false)));
        assertEquals("a'b", GPT2.decode(GPT2.encode("a ' b", false, false)));
    }

    @Test
    void cleanSpacesPasses() {
        byte[] text = "a ' ' b".getBytes(StandardCharsets.US_ASCII);
        int n = VocabIndex.cleanSpaces(text);
        // llama.cpp's in-place passes: the first " ' " loses both spaces and the apostrophe after it keeps none
        assertEquals("a'' b", new String(text, 0, n, StandardCharsets.US_ASCII));
    }

    /** A small vocabulary: merges by rank, the Llama-3 flags (add BOS, whole-word tokens skip merging). */
    @Test
    void handMadeVocabulary() {
        String[] pieces = {"a", "b", "c", "ab", "bc", "abc", "Ġ", "<|begin_of_text|>", "<|eot_id|>"};
        String[] merges = {"b c", "a b", "a bc"};
        Tokenizer gpt2 = Tokenizer.fromGguf(bpeMetadata("gpt-2", pieces, merges));
        assertArrayEquals(new int[] {5}, gpt2.encode("abc", true, false)); // bc first, then a+bc
        assertArrayEquals(new int[] {3, 6}, gpt2.encode("ab ", false, false));

        String[] noAbc = {"a", "b", "c", "ab", "bc", "abx", "Ġ", "<|begin_of_text|>", "<|eot_id|>"};
        Tokenizer ranked = Tokenizer.fromGguf(bpeMetadata("gpt-2", noAbc, new String[] {"a b", "b c"}));
        assertArrayEquals(new int[] {3, 2}, ranked.encode("abc", false, false)); // lower rank wins

        Tokenizer llama3 = Tokenizer.fromGguf(bpeMetadata("llama-bpe", noAbc, new String[0]));
        assertTrue(llama3.vocabulary().addBos());
        // no merges at all, but a word that is a token is taken whole (ignore_merges)
        assertArrayEquals(new int[] {7, 4, 8}, llama3.encode("<|begin_of_text|>bc<|eot_id|>", false, true));
        assertArrayEquals(new int[] {7, 4}, llama3.encode("bc", true, false));
        assertTrue(llama3.isEndOfGeneration(8));
        assertEquals(8, llama3.vocabulary().eot());
        assertEquals(TokenType.CONTROL, llama3.vocabulary().type(8));

        Tokenizer unknownPre = Tokenizer.fromGguf(bpeMetadata("no-such-pre-tokenizer", pieces, merges));
        assertEquals("default", ((BpeTokenizer) unknownPre).preTokenizerName());
        assertArrayEquals(new int[] {5}, unknownPre.encode("abc", false, false));
    }

    static GgufMetadata bpeMetadata(String pre, String[] pieces, String[] merges) {
        int[] types = new int[pieces.length];
        for (int i = 0; i < pieces.length; i++) {
            types[i] = pieces[i].startsWith("<|") ? 3 : 1;
        }
        return GgufMetadata.builder()
                .putString(Vocabulary.KEY_MODEL, "gpt2")
                .putString(Vocabulary.KEY_PRE, pre)
                .putStringArray(Vocabulary.KEY_TOKENS, pieces)
                .putInt32Array(Vocabulary.KEY_TOKEN_TYPE, types)
                .putStringArray(Vocabulary.KEY_MERGES, merges)
                .putUint32(Vocabulary.KEY_BOS, 7)
                .putUint32(Vocabulary.KEY_EOS, 8)
                .build();
    }
}
