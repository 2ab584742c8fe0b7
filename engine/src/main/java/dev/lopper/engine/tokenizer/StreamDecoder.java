package dev.lopper.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns token ids, fed one at a time, into text without ever splitting a character: bytes of a UTF-8 sequence that
 * is still incomplete (byte-fallback tokens, byte-level BPE pieces) are held back until the rest arrives. Bytes that
 * can no longer form a character come out as U+FFFD; an incomplete sequence becomes U+FFFD on {@link #flush()}.
 *
 * <p>Like {@link Tokenizer#decode(int[])}, a decoder that starts at the beginning of the text (for instance, from
 * BOS) drops the leading space of the first piece that has text when the vocabulary adds a space prefix, so the
 * concatenated output equals {@code decode} of the same ids. Use {@link #afterPrompt} when the ids continue a
 * prompt. Control tokens produce no text. Not thread-safe.
 */
public final class StreamDecoder {
    private final Tokenizer tokenizer;
    private final boolean stripSpace;
    private boolean atTextStart;
    private byte[] pending = new byte[16];
    private int pendingLength;

    /** A decoder at the start of the text. */
    public StreamDecoder(Tokenizer tokenizer) {
        this(tokenizer, true);
    }

    /**
     * @param atTextStart whether the first piece with text begins the text (its leading space is then dropped, with
     *                    add_space_prefix); {@code false} when continuing text that is already there
     */
    public StreamDecoder(Tokenizer tokenizer, boolean atTextStart) {
        this.tokenizer = tokenizer;
        this.stripSpace = tokenizer.vocabulary().addSpacePrefix();
        this.atTextStart = atTextStart;
    }

    /**
     * A decoder for tokens generated after {@code prompt}: the prompt is consumed without output, so the first
     * generated piece keeps its space unless the prompt had no text (only BOS, say).
     */
    public static StreamDecoder afterPrompt(Tokenizer tokenizer, int[] prompt) {
        StreamDecoder decoder = new StreamDecoder(tokenizer);
        for (int id : prompt) {
            decoder.accept(id);
        }
        return decoder;
    }

    /** Feeds one token; returns the text it completes (possibly empty). */
    public String accept(int id) {
        byte[] piece = tokenizer.pieceBytes(id);
        if (piece.length == 0) {
            return "";
        }
        int skip = 0;
        if (atTextStart) {
            skip = stripSpace && piece[0] == ' ' ? 1 : 0;
            atTextStart = false;
        }
        append(piece, skip, piece.length - skip);
        int complete = pendingLength - incompleteTail(pending, pendingLength);
        if (complete == 0) {
            return "";
        }
        String text = new String(pending, 0, complete, StandardCharsets.UTF_8);
        System.arraycopy(pending, complete, pending, 0, pendingLength - complete);
        pendingLength -= complete;
        return text;
    }

    /** Whether bytes of an incomplete character are held back. */
    public boolean hasPending() {
        return pendingLength > 0;
    }

    /** Returns what is held back (an incomplete character becomes U+FFFD) and empties the buffer. */
    public String flush() {
        String text = new String(pending, 0, pendingLength, StandardCharsets.UTF_8);
        pendingLength = 0;
        return text;
    }

    private void append(byte[] bytes, int offset, int length) {
        if (pendingLength + length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + length));
        }
        System.arraycopy(bytes, offset, pending, pendingLength, length);
        pendingLength += length;
    }

    /**
     * Length of the trailing bytes of {@code buf[0, len)} that are a proper prefix of a valid UTF-8 sequence (so may
     * still become a character), or 0.
     */
    static int incompleteTail(byte[] buf, int len) {
        for (int k = 1; k <= Math.min(3, len); k++) {
            int b = buf[len - k] & 0xFF;
            if ((b & 0xC0) == 0x80) {
                continue; // continuation byte: look further back for the lead
            }
            int need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
            if (b < 0xC2 || b > 0xF4 || k >= need) {
                return 0; // ASCII, an invalid lead, or a sequence that is already complete (or too long)
            }
            if (k >= 2 && !validSecond(b, buf[len - k + 1] & 0xFF)) {
                return 0;
            }
            return k;
        }
        return 0;
    }

    /** The range the byte after lead {@code b} must fall in (no overlongs, surrogates or values above U+10FFFF). */
    private static boolean validSecond(int lead, int second) {
        return switch (lead) {
            case 0xE0 -> second >= 0xA0 && second <= 0xBF;
            case 0xED -> second >= 0x80 && second <= 0x9F;
            case 0xF0 -> second >= 0x90 && second <= 0xBF;
            case 0xF4 -> second >= 0x80 && second <= 0x8F;
            default -> second >= 0x80 && second <= 0xBF;
        };
    }
}
