package dev.lopper.convert.sentencepiece;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The protocol buffers wire format (https://protobuf.dev/programming-guides/encoding/), read from a byte array
 * window with every length checked against the bytes that remain. Hand-written rather than generated: the
 * SentencePiece schema needs a dozen fields of three messages, and a protobuf runtime plus code generation in the
 * build would be far larger than this reader.
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int I64 = 1;
    static final int LEN = 2;
    static final int I32 = 5;

    private final String file;
    private final byte[] data;
    private int pos;
    private final int end;

    ProtoReader(String file, byte[] data, int from, int to) {
        this.file = file;
        this.data = data;
        this.pos = from;
        this.end = to;
    }

    boolean more() {
        return pos < end;
    }

    int position() {
        return pos;
    }

    /** The next field's tag (field number << 3 | wire type), checked to name a wire type this reader knows. */
    long tag(String message) throws SentencePieceFormatException {
        int at = pos;
        long tag = varint(message);
        int wire = (int) (tag & 7);
        if (tag >>> 3 == 0 || (wire != VARINT && wire != I64 && wire != LEN && wire != I32)) {
            throw new SentencePieceFormatException(file, message + ": invalid field tag " + tag
                    + " (field " + (tag >>> 3) + ", wire type " + wire + ")", at);
        }
        return tag;
    }

    long varint(String field) throws SentencePieceFormatException {
        int at = pos;
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw new SentencePieceFormatException(file, field + ": varint runs past the end of its message", at);
            }
            int b = data[pos++] & 0xFF;
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new SentencePieceFormatException(file, field + ": varint longer than 10 bytes", at);
    }

    float fixed32Float(String field) throws SentencePieceFormatException {
        need(4, field);
        float f = ByteBuffer.wrap(data, pos, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
        pos += 4;
        return f;
    }

    /** A length-delimited field: returns a reader over its bytes and moves past them. */
    ProtoReader message(String field) throws SentencePieceFormatException {
        int n = length(field);
        ProtoReader sub = new ProtoReader(file, data, pos, pos + n);
        pos += n;
        return sub;
    }

    String string(String field) throws SentencePieceFormatException {
        int at = pos;
        int n = length(field);
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(data, pos, n)).toString();
            pos += n;
            return s;
        } catch (CharacterCodingException e) {
            throw new SentencePieceFormatException(file, field + ": not valid UTF-8", at);
        }
    }

    /** Skips a field of the given wire type. */
    void skip(int wire, String field) throws SentencePieceFormatException {
        switch (wire) {
            case VARINT -> varint(field);
            case I64 -> {
                need(8, field);
                pos += 8;
            }
            case I32 -> {
                need(4, field);
                pos += 4;
            }
            case LEN -> {
                int n = length(field); // not "pos += length(field)": that would add to pos as it was before
                pos += n;
            }
            default -> throw new SentencePieceFormatException(file, field + ": wire type " + wire, pos);
        }
    }

    SentencePieceFormatException error(String detail, int at) {
        return new SentencePieceFormatException(file, detail, at);
    }

    private int length(String field) throws SentencePieceFormatException {
        int at = pos;
        long n = varint(field);
        if (n < 0 || n > end - pos) {
            throw new SentencePieceFormatException(file, field + ": length " + n + " exceeds the " + (end - pos)
                    + " bytes that remain", at);
        }
        return (int) n;
    }

    private void need(int n, String field) throws SentencePieceFormatException {
        if (end - pos < n) {
            throw new SentencePieceFormatException(file, field + ": needs " + n + " bytes, " + (end - pos) + " remain", pos);
        }
    }
}
