package dev.lopper.engine.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizerStreamDecoderTest {
    private static final Tokenizer LLAMA = TokenizerFixtures.tokenizer(TokenizerFixtures.resource(TokenizerFixtures.SPM_VOCAB));
    private static final Tokenizer GPT2 = TokenizerFixtures.tokenizer(TokenizerFixtures.resource(TokenizerFixtures.GPT2_VOCAB));

    private static final String MULTI_BYTE = "Hi 🦙 and 😶‍🌫️, 我想在apple工作 ✅ ကာန် é!";

    @Test
    void neverEmitsABrokenCharacterSentencePiece() {
        assertStreamsCleanly(LLAMA, LLAMA.encode(MULTI_BYTE, true, false), MULTI_BYTE);
    }

    @Test
    void neverEmitsABrokenCharacterBpe() {
        assertStreamsCleanly(GPT2, GPT2.encode(MULTI_BYTE, false, false), MULTI_BYTE);
    }

    private static void assertStreamsCleanly(Tokenizer tokenizer, int[] ids, String expected) {
        StreamDecoder decoder = new StreamDecoder(tokenizer);
        StringBuilder all = new StringBuilder();
        List<String> chunks = new ArrayList<>();
        int heldBack = 0;
        for (int id : ids) {
            String chunk = decoder.accept(id);
            chunks.add(chunk);
            if (chunk.isEmpty() && tokenizer.pieceBytes(id).length > 0) {
                heldBack++;
            }
            assertWellFormed(chunk);
            all.append(chunk);
        }
        assertFalse(decoder.hasPending());
        assertEquals("", decoder.flush());
        assertEquals(expected, all.toString(), chunks::toString);
        assertEquals(tokenizer.decode(ids), all.toString());
        assertTrue(heldBack > 0, "the text should need byte pieces that complete a character later");
    }

    /** No U+FFFD and no unpaired surrogate. */
    private static void assertWellFormed(String chunk) {
        assertFalse(chunk.contains("\uFFFD"), chunk);
        for (int i = 0; i < chunk.length(); i++) {
            char c = chunk.charAt(i);
            if (Character.isHighSurrogate(c)) {
                assertTrue(i + 1 < chunk.length() && Character.isLowSurrogate(chunk.charAt(i + 1)), chunk);
                i++;
            } else {
                assertFalse(Character.isLowSurrogate(c), chunk);
            }
        }
    }

    @Test
    void byteFallbackCharacterArrivesWhole() {
        // "🦙" = <0xF0> <0x9F> <0xA6> <0x99> after "▁"
        StreamDecoder decoder = new StreamDecoder(LLAMA, false);
        assertEquals(" ", decoder.accept(29871));
        assertEquals("", decoder.accept(243));
        assertEquals("", decoder.accept(162));
        assertEquals("", decoder.accept(169));
        assertTrue(decoder.hasPending());
        assertEquals("🦙", decoder.accept(156));
        assertFalse(decoder.hasPending());
    }

    @Test
    void invalidBytesBecomeReplacementCharacters() {
        StreamDecoder decoder = new StreamDecoder(LLAMA, false);
        assertEquals("", decoder.accept(229)); // <0xE2>: may start a 3-byte character
        assertEquals("\uFFFD Hello", decoder.accept(15043)); // " Hello" cannot continue it
        assertEquals("", decoder.accept(229));
        assertEquals("", decoder.accept(133)); // <0x82>
        assertEquals("\uFFFD", decoder.flush());
        assertEquals("", decoder.flush());
        assertEquals("\uFFFD", decoder.accept(131)); // a lone continuation byte <0x80>
    }

    @Test
    void leadingSpaceRule() {
        StreamDecoder fromBos = new StreamDecoder(LLAMA);
        assertEquals("", fromBos.accept(1));
        assertEquals("Hello", fromBos.accept(15043));
        assertEquals(" world", fromBos.accept(3186));

        assertEquals("Hello", StreamDecoder.afterPrompt(LLAMA, new int[] {1}).accept(15043));
        assertEquals(" world", StreamDecoder.afterPrompt(LLAMA, new int[] {1, 15043}).accept(3186));
        assertEquals(" Hello", new StreamDecoder(LLAMA, false).accept(15043));
        // BPE vocabularies add no space prefix, so nothing is dropped
        assertEquals(" world", new StreamDecoder(GPT2).accept(995));
    }

    @Test
    void incompleteTail() {
        assertEquals(0, tail());
        assertEquals(0, tail('a'));
        assertEquals(1, tail(0xF0));
        assertEquals(2, tail(0xF0, 0x9F));
        assertEquals(3, tail(0xF0, 0x9F, 0xA6));
        assertEquals(0, tail(0xF0, 0x9F, 0xA6, 0x99));
        assertEquals(2, tail('a', 0xE2, 0x82));
        assertEquals(0, tail(0xE0, 0x80)); // overlong
        assertEquals(0, tail(0xED, 0xA0)); // surrogate
        assertEquals(0, tail(0xF4, 0x90)); // above U+10FFFF
        assertEquals(0, tail(0xC0));
        assertEquals(0, tail(0x80));
        assertEquals(1, tail(0xC3));
        assertEquals(0, tail(0xC3, 0xA9));
    }

    private static int tail(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return StreamDecoder.incompleteTail(b, b.length);
    }
}
