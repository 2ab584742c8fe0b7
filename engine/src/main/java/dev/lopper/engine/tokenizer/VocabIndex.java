package dev.lopper.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * What both tokenizers derive from a {@link Vocabulary}: text → id lookup, the bytes each token renders to, the
 * splitting of special-token text out of the input, and llama.cpp's detokenize.
 */
final class VocabIndex {
    private static final byte[] EMPTY = new byte[0];

    /** A stretch of the input: raw text still to tokenize, or a special token found in it. */
    sealed interface Fragment {
        record Text(int start, int end) implements Fragment {
        }

        record Special(int id) implements Fragment {
        }
    }

    private final Vocabulary vocab;
    private final Map<String, Integer> idOf;
    /** Bytes of each token as rendered with specials shown. */
    private final byte[][] rendered;
    /** Control and unknown tokens render as nothing unless specials are shown. */
    private final boolean[] hidden;
    /** Control, unknown and user-defined tokens, longest text first. */
    private final int[] specials;

    VocabIndex(Vocabulary vocab) {
        this.vocab = vocab;
        int n = vocab.size();
        idOf = new HashMap<>(n * 2);
        rendered = new byte[n][];
        hidden = new boolean[n];
        List<Integer> special = new ArrayList<>();
        boolean spm = vocab.isSentencePiece();
        for (int id = 0; id < n; id++) {
            String piece = vocab.piece(id);
            TokenType type = vocab.type(id);
            idOf.put(piece, id);
            hidden[id] = type.hiddenUnlessSpecial();
            rendered[id] = spm ? renderSentencePiece(piece, type) : renderByteLevel(piece, type);
            if (type.isSpecial()) {
                special.add(id);
            }
        }
        specials = special.stream()
                .sorted(Comparator.comparingInt((Integer id) -> -vocab.piece(id).length()).thenComparingInt(id -> id))
                .mapToInt(Integer::intValue).toArray();
    }

    Vocabulary vocabulary() {
        return vocab;
    }

    /** The id of a token text, or -1. */
    int id(String text) {
        Integer id = idOf.get(text);
        return id == null ? -1 : id;
    }

    /** The bytes token {@code id} stands for (not a copy: do not modify). */
    byte[] render(int id, boolean renderSpecial) {
        if (id < 0 || id >= rendered.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + rendered.length);
        }
        return !renderSpecial && hidden[id] ? EMPTY : rendered[id];
    }

    /**
     * Cuts special-token text out of {@code text}, longest special first, as llama.cpp's
     * {@code tokenizer_st_partition}: user-defined tokens always, control and unknown tokens only when
     * {@code parseSpecial}.
     */
    List<Fragment> partition(String text, boolean parseSpecial) {
        List<Fragment> fragments = new ArrayList<>();
        if (text.isEmpty()) {
            return fragments;
        }
        fragments.add(new Fragment.Text(0, text.length()));
        for (int id : specials) {
            if (!parseSpecial && hidden[id]) {
                continue;
            }
            String special = vocab.piece(id);
            List<Fragment> next = null;
            for (int f = 0; f < fragments.size(); f++) {
                Fragment fragment = fragments.get(f);
                int match = fragment instanceof Fragment.Text(int start, int end) ? text.indexOf(special, start, end) : -1;
                if (match < 0) {
                    if (next != null) {
                        next.add(fragment);
                    }
                    continue;
                }
                if (next == null) {
                    next = new ArrayList<>(fragments.subList(0, f));
                }
                Fragment.Text raw = (Fragment.Text) fragment;
                int from = raw.start();
                while (match >= 0) {
                    if (match > from) {
                        next.add(new Fragment.Text(from, match));
                    }
                    next.add(new Fragment.Special(id));
                    from = match + special.length();
                    match = from < raw.end() ? text.indexOf(special, from, raw.end()) : -1;
                }
                if (from < raw.end()) {
                    next.add(new Fragment.Text(from, raw.end()));
                }
            }
            if (next != null) {
                fragments = next;
            }
        }
        return fragments;
    }

    /**
     * llama.cpp's detokenize (without removing specials): pieces concatenated, the first non-empty one losing one
     * leading space when the vocabulary adds a space prefix, then (BPE) the clean-up of spaces before punctuation.
     * Unlike llama.cpp, a leading BOS does not use up the space removal, so {@code [BOS, ▁Once]} decodes to
     * {@code "Once"}, as SentencePiece itself decodes.
     */
    String decode(int[] ids, boolean renderSpecial, boolean cleanSpaces) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        boolean stripSpace = vocab.addSpacePrefix();
        for (int id : ids) {
            byte[] piece = render(id, renderSpecial);
            if (piece.length == 0) {
                continue;
            }
            int skip = stripSpace && piece[0] == ' ' ? 1 : 0;
            stripSpace = false;
            out.write(piece, skip, piece.length - skip);
        }
        byte[] bytes = out.toByteArray();
        int length = cleanSpaces ? cleanSpaces(bytes) : bytes.length;
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    /**
     * llama.cpp's {@code clean_spaces} passes, in place: drop the space before {@code ? ! . ,}, around a lone
     * {@code '}, and before {@code 's 'm 're 've}. Returns the new length.
     */
    static int cleanSpaces(byte[] text) {
        int total = text.length;
        // first pass: " ?", " !", " .", " ,"
        int total1 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total1; i++) {
            byte x = text[i];
            if (text[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) {
                total--;
            }
            text[total++] = x;
        }
        // second pass: " ' "
        int total2 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total2; i++) {
            byte x = text[i];
            if (x == '\'' && i + 1 < total2 && text[i - 1] == ' ' && text[i + 1] == ' ') {
                total--;
                text[++i] = 0;
            }
            text[total++] = x;
        }
        // third pass: " 's", " 'm", " 're", " 've"
        int total3 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total3; i++) {
            byte x = text[i];
            if (text[i - 1] == ' ' && x == '\'' && i + 1 < total3) {
                byte x1 = text[i + 1];
                if (x1 == 's' || x1 == 'm') {
                    total--;
                } else if (i + 2 < total3) {
                    byte x2 = text[i + 2];
                    if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) {
                        total--;
                    }
                }
            }
            text[total++] = x;
        }
        return total;
    }

    /** SentencePiece: {@code ▁} is a space, {@code <0xNN>} one byte; control, unknown and user-defined verbatim. */
    private static byte[] renderSentencePiece(String piece, TokenType type) {
        return switch (type) {
            case CONTROL, UNKNOWN, USER_DEFINED -> piece.getBytes(StandardCharsets.UTF_8);
            case NORMAL -> piece.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
            case BYTE -> {
                int b = parseByte(piece);
                yield b >= 0 ? new byte[] {(byte) b} : piece.getBytes(StandardCharsets.UTF_8);
            }
            case UNDEFINED, UNUSED -> EMPTY;
        };
    }

    /** Byte-level BPE: each character is one byte of the GPT-2 table; control, unknown and user-defined verbatim. */
    private static byte[] renderByteLevel(String piece, TokenType type) {
        return switch (type) {
            case CONTROL, UNKNOWN, USER_DEFINED -> piece.getBytes(StandardCharsets.UTF_8);
            case NORMAL -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream(piece.length());
                piece.codePoints().forEach(cp -> {
                    int b = ByteUnicode.decode(cp);
                    if (b >= 0) {
                        out.write(b);
                    } else { // as llama.cpp's llama_decode_text
                        byte[] utf8 = Character.toString(cp).getBytes(StandardCharsets.UTF_8);
                        out.writeBytes(("[UNK_BYTE_0x" + HexFormat.of().formatHex(utf8) + piece + "]")
                                .getBytes(StandardCharsets.UTF_8));
                    }
                });
                yield out.toByteArray();
            }
            case UNDEFINED, UNUSED, BYTE -> EMPTY;
        };
    }

    /** The byte of a {@code <0xNN>} piece, or -1. */
    static int parseByte(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
            return -1;
        }
        int hi = Character.digit(piece.charAt(3), 16);
        int lo = Character.digit(piece.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
    }

    /** Copy helper for the public API. */
    static byte[] copy(byte[] bytes) {
        return bytes.length == 0 ? EMPTY : Arrays.copyOf(bytes, bytes.length);
    }
}
