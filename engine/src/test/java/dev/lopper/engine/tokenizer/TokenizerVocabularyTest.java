package dev.lopper.engine.tokenizer;

import dev.lopper.gguf.GgufMetadata;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizerVocabularyTest {
    private static final String[] PIECES = {"<unk>", "<s>", "</s>", "▁", "a", "<|eot_id|>"};

    private static GgufMetadata.Builder spm() {
        return GgufMetadata.builder()
                .putString(Vocabulary.KEY_MODEL, "llama")
                .putStringArray(Vocabulary.KEY_TOKENS, PIECES)
                .putFloat32Array(Vocabulary.KEY_SCORES, 0, 0, 0, -1, -2, 0)
                .putInt32Array(Vocabulary.KEY_TOKEN_TYPE, 2, 3, 3, 1, 1, 4);
    }

    @Test
    void defaultsAndOverrides() {
        Vocabulary v = Vocabulary.fromGguf(spm().build());
        assertEquals(1, v.bos());
        assertEquals(2, v.eos());
        assertEquals(0, v.unk());
        assertEquals("default", v.pre());
        assertTrue(v.addBos());
        assertFalse(v.addEos());
        assertTrue(v.addSpacePrefix());
        // found by text: becomes the eot token, a control token, and ends generation
        assertEquals(5, v.eot());
        assertEquals(TokenType.CONTROL, v.type(5));
        assertEquals(java.util.Set.of(2, 5), v.endOfGeneration());

        Vocabulary o = Vocabulary.fromGguf(spm()
                .putUint32(Vocabulary.KEY_BOS, 4).putInt32(Vocabulary.KEY_PAD, -1).putUint32(Vocabulary.KEY_UNK, 0xFFFFFFFFL)
                .putUint32(Vocabulary.KEY_EOS, 99)
                .putBool(Vocabulary.KEY_ADD_BOS, false).putBool(Vocabulary.KEY_ADD_EOS, true)
                .putBool(Vocabulary.KEY_ADD_SPACE_PREFIX, false).build());
        assertEquals(4, o.bos());
        assertEquals(2, o.eos()); // out of range: the default stays, as in llama.cpp
        assertEquals(0, o.unk());
        assertEquals(Vocabulary.NONE, o.pad());
        assertFalse(o.addBos());
        assertTrue(o.addEos());
        assertFalse(o.addSpacePrefix());
        assertEquals(TokenType.CONTROL, o.type(5));

        Tokenizer t = Tokenizer.fromGguf(spm().putBool(Vocabulary.KEY_ADD_EOS, true).build());
        assertEquals("[1, 3, 4, 2]", java.util.Arrays.toString(t.encode("a", true, false)));
    }

    @Test
    void missingOrUnequalArraysNameTheKey() {
        assertMessage(Vocabulary.KEY_TOKENS, spm().remove(Vocabulary.KEY_TOKENS).build());
        assertMessage(Vocabulary.KEY_SCORES, spm().remove(Vocabulary.KEY_SCORES).build());
        assertMessage(Vocabulary.KEY_SCORES, spm().putFloat32Array(Vocabulary.KEY_SCORES, 0, 0).build());
        assertMessage(Vocabulary.KEY_TOKEN_TYPE, spm().putInt32Array(Vocabulary.KEY_TOKEN_TYPE, 1).build());
        assertMessage(Vocabulary.KEY_MODEL, spm().remove(Vocabulary.KEY_MODEL).build());
        assertMessage(Vocabulary.KEY_MERGES, spm().putString(Vocabulary.KEY_MODEL, "gpt2").build());
        // token_type is optional: every token is then normal
        Vocabulary untyped = Vocabulary.fromGguf(spm().remove(Vocabulary.KEY_TOKEN_TYPE).build());
        assertEquals(TokenType.NORMAL, untyped.type(4));
    }

    @Test
    void unknownTokenizerModelIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tokenizer.fromGguf(spm().putString(Vocabulary.KEY_MODEL, "bert").build()));
        assertTrue(e.getMessage().contains("'bert'"), e.getMessage());
        assertTrue(e.getMessage().contains(Vocabulary.KEY_MODEL), e.getMessage());
    }

    @Test
    void tokenizerKindFollowsTheModel() {
        assertInstanceOf(SentencePieceTokenizer.class, Tokenizer.fromGguf(spm().build()));
        assertInstanceOf(BpeTokenizer.class, Tokenizer.fromGguf(
                BpeTokenizerTest.bpeMetadata("gpt-2", new String[] {"a", "b", "ab", "x", "y", "z", "<|a|>", "<|b|>"},
                        new String[] {"a b"})));
    }

    private static void assertMessage(String key, GgufMetadata md) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Vocabulary.fromGguf(md));
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }
}
