package dev.lopper.gguf;

import java.io.IOException;

/**
 * A GGUF file is malformed or uses something this reader does not support. The message is one line of the form
 * {@code model.gguf: tensor 'blk.0.attn_q.weight': data [123..456) past end of file (size 400) at byte 1234}: the
 * file name, the field or tensor at fault, and the byte offset where the problem was found.
 */
public final class GgufFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final long offset;

    /**
     * @param file   the file name shown first in the message
     * @param detail what is wrong, naming the field or tensor (one line)
     * @param offset the byte offset in the file where the problem was found, or -1 if there is none
     */
    public GgufFormatException(String file, String detail, long offset) {
        super(file + ": " + oneLine(detail) + (offset >= 0 ? " at byte " + offset : ""));
        this.file = file;
        this.offset = offset;
    }

    /** The file name the message starts with. */
    public String file() {
        return file;
    }

    /** The byte offset where the problem was found, or -1. */
    public long offset() {
        return offset;
    }

    /**
     * Quotes a name read from a file for a one-line message: control characters are escaped and very long names are
     * shortened, so a hostile key or tensor name cannot break the message into lines or flood a log.
     */
    static String quote(String name) {
        StringBuilder sb = new StringBuilder(Math.min(name.length(), 96) + 24).append('\'');
        int n = name.length();
        int i = 0;
        for (; i < n && (sb.length() < 80 || n - i <= 1); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\u0085' || c == '\u2028' || c == '\u2029') {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (i < n) {
            sb.append("...(").append(n).append(" chars)");
        }
        return sb.append('\'').toString();
    }

    private static String oneLine(String s) {
        return s.indexOf('\n') < 0 && s.indexOf('\r') < 0 ? s : s.replace("\r", "\\r").replace("\n", "\\n");
    }
}
