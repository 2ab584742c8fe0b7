package dev.lopper.convert.io;

import java.io.IOException;

/**
 * An input file of a conversion is malformed, lies about its sizes, or uses something the converter refuses. Each
 * reader throws its own subclass; the message is one line: the file name, the field or tensor at fault, and the
 * byte offset where the problem was found (when there is one), for example
 * {@code model.safetensors: tensor 'lm_head.weight': data_offsets [0, 4096) past the end of the data (2048 bytes) at byte 8}.
 */
public abstract class FormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final long offset;

    /**
     * @param file   the file name shown first (no directory)
     * @param detail what is wrong, naming the field or tensor
     * @param offset the byte offset where the problem was found, or -1
     */
    protected FormatException(String file, String detail, long offset) {
        super(file + ": " + oneLine(detail) + (offset >= 0 ? " at byte " + offset : ""));
        this.file = file;
        this.offset = offset;
    }

    /** The file the message starts with. */
    public String file() {
        return file;
    }

    /** The byte offset where the problem was found, or -1. */
    public long offset() {
        return offset;
    }

    /**
     * Quotes a name read from a file for a one-line message: control characters escaped, long names shortened, so a
     * hostile name can neither break the message into lines nor flood a log.
     */
    public static String quote(String name) {
        StringBuilder sb = new StringBuilder(Math.min(name.length(), 96) + 24).append('\'');
        int n = name.length();
        int i = 0;
        for (; i < n && sb.length() < 80; i++) {
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
