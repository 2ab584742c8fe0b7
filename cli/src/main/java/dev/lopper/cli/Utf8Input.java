package dev.lopper.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Text the user gives in a file or on stdin, decoded as strict UTF-8: invalid bytes are an error naming the byte
 * offset, never a silent U+FFFD.
 */
final class Utf8Input {
    private Utf8Input() {
    }

    /** The text of {@code file}, or of stdin when {@code file} is {@code -}. */
    static String read(String file) throws IOException {
        if (file.equals("-")) {
            return stdin();
        }
        Path p = Path.of(file);
        if (Files.isDirectory(p)) {
            throw new IOException(file + " is a directory, not a text file");
        }
        return decode(Files.readAllBytes(p), file);
    }

    /** All of stdin. */
    static String stdin() throws IOException {
        return decode(System.in.readAllBytes(), "stdin");
    }

    /**
     * Decodes {@code bytes} as UTF-8.
     *
     * @throws CharacterCodingException naming {@code source} and the offset of the first invalid byte
     */
    static String decode(byte[] bytes, String source) throws CharacterCodingException {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = d.decode(in, out, true);
        if (!r.isError()) {
            r = d.flush(out);
        }
        if (r.isError()) {
            throw new InvalidUtf8Exception(source, in.position(), bytes[in.position()]);
        }
        return out.flip().toString();
    }

    /** Invalid UTF-8: the message names the source and the byte offset. */
    static final class InvalidUtf8Exception extends CharacterCodingException {
        private static final long serialVersionUID = 1L;
        private final String message;

        InvalidUtf8Exception(String source, int offset, byte b) {
            this.message = source + ": invalid UTF-8 at byte " + offset + String.format(" (0x%02X)", b & 0xff)
                    + "; the text must be UTF-8";
        }

        @Override
        public String getMessage() {
            return message;
        }
    }
}
