package dev.lopper.cli;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A token's bytes as text for {@code tokenize}: the text when the bytes are whole UTF-8, else each byte as
 * {@code <0xEF>} (byte-fallback pieces and pieces that hold part of a character), as llama-tokenize shows them.
 */
final class PieceText {
    private PieceText() {
    }

    static String of(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            StringBuilder sb = new StringBuilder();
            for (byte b : bytes) {
                sb.append(String.format("<0x%02X>", b & 0xff));
            }
            return sb.toString();
        }
    }
}
