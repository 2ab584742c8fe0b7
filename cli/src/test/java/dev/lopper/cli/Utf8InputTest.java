package dev.lopper.cli;

import org.junit.jupiter.api.Test;

import java.nio.charset.CharacterCodingException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Strict UTF-8 for -f files and stdin: the first invalid byte is named by its offset. */
class Utf8InputTest {
    private static String error(byte... bytes) {
        return assertThrows(CharacterCodingException.class, () -> Utf8Input.decode(bytes, "stdin")).getMessage();
    }

    @Test
    void validTextDecodes() throws Exception {
        assertEquals("caf\u00e9 \ud83d\ude00", Utf8Input.decode("caf\u00e9 \ud83d\ude00".getBytes(
                java.nio.charset.StandardCharsets.UTF_8), "stdin"));
        assertEquals("", Utf8Input.decode(new byte[0], "stdin"));
    }

    @Test
    void invalidBytesAreNamedByOffset() {
        assertEquals("stdin: invalid UTF-8 at byte 2 (0xFF); the text must be UTF-8", error((byte) 'a', (byte) 'b',
                (byte) 0xFF));
        // A sequence cut off at the end of the input.
        assertEquals("stdin: invalid UTF-8 at byte 3 (0xC3); the text must be UTF-8", error((byte) 'c', (byte) 'a',
                (byte) 'f', (byte) 0xC3));
        // An overlong encoding of '/' and a lone continuation byte.
        assertEquals("stdin: invalid UTF-8 at byte 0 (0xC0); the text must be UTF-8", error((byte) 0xC0, (byte) 0xAF));
        assertEquals("stdin: invalid UTF-8 at byte 1 (0x80); the text must be UTF-8", error((byte) 'x', (byte) 0x80));
    }
}
