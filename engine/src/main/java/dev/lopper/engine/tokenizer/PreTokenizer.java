package dev.lopper.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a byte-level BPE vocabulary cuts text into words before merging, chosen by {@code tokenizer.ggml.pre}, with
 * the flags llama.cpp ties to each choice. Each step splits every current word further (matches and the text between
 * them both become words), as llama.cpp's {@code unicode_regex_split} does. The GPT-2 and Llama-3 expressions are not
 * run as regular expressions: they are ports of llama.cpp's hand-written splitters, so that corner cases such as
 * {@code \s+(?!\S)} (a run of whitespace gives up its last character when text follows it) behave exactly as there.
 *
 * @param name         the {@code tokenizer.ggml.pre} value this was chosen for
 * @param addBos       llama.cpp's default for {@code add_bos_token} with this pre-tokenizer
 * @param ignoreMerges a whole word that is itself a token is emitted without merging (Llama 3)
 * @param cleanSpaces  decoding removes the space before {@code ?!.,} and some contractions
 */
record PreTokenizer(String name, List<Step> steps, boolean addBos, boolean ignoreMerges, boolean cleanSpaces) {

    /** One splitting pass: appends the lengths (in code points) of the pieces that cover {@code cps[start, end)}. */
    @FunctionalInterface
    interface Step {
        void split(int[] cps, int start, int end, IntList lengths);
    }

    private static final System.Logger LOG = System.getLogger(PreTokenizer.class.getName());

    /** GPT-2: {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}. */
    static final Step GPT2 = PreTokenizer::splitGpt2;

    /**
     * Llama 3: {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|}
     * {@code \s*[\r\n]+|\s+(?!\S)|\s+}.
     */
    static final Step LLAMA3 = PreTokenizer::splitLlama3;

    /** llama.cpp's {@code LLAMA_VOCAB_PRE_TYPE_DEFAULT}: punctuation runs, GPT-2, digit runs, then groups of three digits. */
    private static final List<Step> DEFAULT_STEPS =
            List.of(regex("[\\p{P}$+<=>^~|]+"), GPT2, regex("\\p{N}+"), regex("[0-9][0-9][0-9]"));
    /** StarCoder and relatives: every digit alone, then GPT-2. */
    private static final List<Step> STARCODER_STEPS = List.of(regex("\\p{N}"), GPT2);

    PreTokenizer {
        steps = List.copyOf(steps);
    }

    /**
     * The pre-tokenizer for a {@code tokenizer.ggml.pre} value ({@code null} or empty means {@code default}). An
     * unknown name falls back to {@code default} with a warning instead of failing.
     */
    static PreTokenizer forName(String pre) {
        String name = pre == null || pre.isEmpty() ? "default" : pre;
        PreTokenizer known = lookup(name);
        if (known != null) {
            return known;
        }
        LOG.log(System.Logger.Level.WARNING, "unknown tokenizer.ggml.pre ''{0}'', using the default pre-tokenizer", name);
        return defaults(name);
    }

    /** The pre-tokenizer llama.cpp knows by this name, or {@code null}. */
    static PreTokenizer lookup(String name) {
        return switch (name) {
            case "default" -> defaults(name);
            case "llama3", "llama-v3", "llama-bpe", "falcon3" -> new PreTokenizer(name, List.of(LLAMA3), true, true, true);
            case "dbrx", "smaug-bpe" -> new PreTokenizer(name, List.of(LLAMA3), false, false, true);
            case "gpt-2", "gpt2", "phi-2", "roberta-bpe", "gigachat", "mpt", "olmo", "jais",
                 "jina-es", "jina-de", "jina-v1-en", "jina-v2-es", "jina-v2-de", "jina-v2-code" ->
                    new PreTokenizer(name, List.of(GPT2), false, false, true);
            case "starcoder", "refact", "codeshell", "exaone", "minerva-7b" ->
                    new PreTokenizer(name, STARCODER_STEPS, false, false, true);
            case "command-r", "smollm" -> new PreTokenizer(name, STARCODER_STEPS, false, false, false);
            default -> null;
        };
    }

    private static PreTokenizer defaults(String name) {
        return new PreTokenizer(name, DEFAULT_STEPS, false, false, true);
    }

    /** Splits {@code text} into words (not yet byte-encoded). Lone surrogates count as U+FFFD. */
    List<String> split(String text) {
        int[] cps = text.codePoints().map(c -> Character.isSurrogate((char) c) && c <= 0xFFFF ? 0xFFFD : c).toArray();
        IntList lengths = new IntList(1);
        lengths.add(cps.length);
        for (Step step : steps) {
            IntList next = new IntList(lengths.size() * 2);
            int start = 0;
            for (int i = 0; i < lengths.size(); i++) {
                int len = lengths.get(i);
                step.split(cps, start, start + len, next);
                start += len;
            }
            lengths = next;
        }
        List<String> words = new ArrayList<>(lengths.size());
        int start = 0;
        for (int i = 0; i < lengths.size(); i++) {
            int len = lengths.get(i);
            words.add(new String(cps, start, len));
            start += len;
        }
        return words;
    }

    /** A step from a regular expression: every match, and every stretch between matches, is a piece. */
    static Step regex(String expression) {
        Pattern pattern = Pattern.compile(expression);
        return (cps, start, end, lengths) -> {
            if (start == end) {
                return;
            }
            String s = new String(cps, start, end - start);
            Matcher m = pattern.matcher(s);
            int last = 0; // char index in s
            while (m.find()) {
                if (m.end() == m.start()) {
                    continue;
                }
                if (m.start() > last) {
                    lengths.add(s.codePointCount(last, m.start()));
                }
                lengths.add(s.codePointCount(m.start(), m.end()));
                last = m.end();
            }
            if (last < s.length()) {
                lengths.add(s.codePointCount(last, s.length()));
            }
        };
    }

    // --- llama.cpp's custom splitters, ported (unicode.cpp: unicode_regex_split_custom_gpt2 / _llama3) ---

    private static void splitGpt2(int[] cps, int ini, int end, IntList lengths) {
        Cursor c = new Cursor(cps, ini, end, lengths);
        int pos = ini;
        while (pos < end) {
            int cpt = cps[pos];
            // 's|'t|'re|'ve|'m|'ll|'d
            if (cpt == '\'' && pos + 1 < end) {
                int n1 = cps[pos + 1];
                if (n1 == 's' || n1 == 't' || n1 == 'm' || n1 == 'd') {
                    pos = c.emit(pos + 2);
                    continue;
                }
                if (pos + 2 < end) {
                    int n2 = cps[pos + 2];
                    if ((n1 == 'r' && n2 == 'e') || (n1 == 'v' && n2 == 'e') || (n1 == 'l' && n2 == 'l')) {
                        pos = c.emit(pos + 3);
                        continue;
                    }
                }
            }
            int p2 = cpt == ' ' ? pos + 1 : pos;
            int skip = cpt == ' ' ? 1 : 0;
            // <space>?\p{L}+
            if (c.letter(p2)) {
                pos += skip;
                while (c.letter(pos)) {
                    pos++;
                }
                c.emit(pos);
                continue;
            }
            // <space>?\p{N}+
            if (c.number(p2)) {
                pos += skip;
                while (c.number(pos)) {
                    pos++;
                }
                c.emit(pos);
                continue;
            }
            // <space>?[^\s\p{L}\p{N}]+
            if (c.other(p2)) {
                pos += skip;
                while (c.other(pos)) {
                    pos++;
                }
                c.emit(pos);
                continue;
            }
            int ws = 0;
            while (c.space(pos + ws)) {
                ws++;
            }
            // \s+(?!\S): leave the last whitespace to prefix the text that follows
            if (ws > 1 && pos + ws < end) {
                pos = c.emit(pos + ws - 1);
                continue;
            }
            // \s+
            if (ws > 0) {
                pos = c.emit(pos + ws);
                continue;
            }
            pos = c.emit(pos + 1); // no match
        }
    }

    private static void splitLlama3(int[] cps, int ini, int end, IntList lengths) {
        Cursor c = new Cursor(cps, ini, end, lengths);
        int pos = ini;
        while (pos < end) {
            int cpt = cps[pos];
            // (?i:'s|'t|'re|'ve|'m|'ll|'d)
            if (cpt == '\'' && pos + 1 < end) {
                int n1 = Character.toLowerCase(cps[pos + 1]);
                if (n1 == 's' || n1 == 't' || n1 == 'm' || n1 == 'd') {
                    pos = c.emit(pos + 2);
                    continue;
                }
                if (pos + 2 < end) {
                    int n2 = Character.toLowerCase(cps[pos + 2]);
                    if ((n1 == 'r' && n2 == 'e') || (n1 == 'v' && n2 == 'e') || (n1 == 'l' && n2 == 'l')) {
                        pos = c.emit(pos + 3);
                        continue;
                    }
                }
            }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if (!(cpt == '\r' || cpt == '\n' || c.number(pos))) {
                if (c.letter(pos) || c.letter(pos + 1)) {
                    pos++;
                    while (c.letter(pos)) {
                        pos++;
                    }
                    c.emit(pos);
                    continue;
                }
            }
            // \p{N}{1,3}
            if (c.number(pos)) {
                int run = pos;
                while (c.number(pos)) {
                    if (++pos - run >= 3) {
                        c.emit(pos);
                        run = pos;
                    }
                }
                c.emit(pos);
                continue;
            }
            // <space>?[^\s\p{L}\p{N}]+[\r\n]*
            int p2 = cpt == ' ' ? pos + 1 : pos;
            if (!(c.space(p2) || c.letter(p2) || c.number(p2))) {
                pos += cpt == ' ' ? 1 : 0;
                while (c.other(pos)) {
                    pos++;
                }
                while (c.inRange(pos) && (cps[pos] == '\r' || cps[pos] == '\n')) {
                    pos++;
                }
                c.emit(pos);
                continue;
            }
            int ws = 0;
            int lastNewlineEnd = -1;
            while (c.space(pos + ws)) {
                int w = cps[pos + ws];
                if (w == '\r' || w == '\n') {
                    lastNewlineEnd = pos + ws + 1;
                }
                ws++;
            }
            // \s*[\r\n]+
            if (lastNewlineEnd >= 0) {
                pos = c.emit(lastNewlineEnd);
                continue;
            }
            // \s+(?!\S)
            if (ws > 1 && pos + ws < end) {
                pos = c.emit(pos + ws - 1);
                continue;
            }
            // \s+
            if (ws > 0) {
                pos = c.emit(pos + ws);
                continue;
            }
            pos = c.emit(pos + 1); // no match
        }
    }

    /** Character classes over one piece {@code [ini, end)}; positions outside it belong to no class. */
    private static final class Cursor {
        private final int[] cps;
        private final int ini;
        private final int end;
        private final IntList lengths;
        private int prevEnd;

        Cursor(int[] cps, int ini, int end, IntList lengths) {
            this.cps = cps;
            this.ini = ini;
            this.end = end;
            this.lengths = lengths;
            this.prevEnd = ini;
        }

        boolean inRange(int pos) {
            return pos >= ini && pos < end;
        }

        boolean letter(int pos) {
            return inRange(pos) && isLetter(cps[pos]);
        }

        boolean number(int pos) {
            return inRange(pos) && isNumber(cps[pos]);
        }

        boolean space(int pos) {
            return inRange(pos) && isWhitespace(cps[pos]);
        }

        /** In range and neither whitespace, letter nor number: {@code [^\s\p{L}\p{N}]}. */
        boolean other(int pos) {
            return inRange(pos) && !isWhitespace(cps[pos]) && !isLetter(cps[pos]) && !isNumber(cps[pos]);
        }

        /** Ends the current piece at {@code pos} (empty pieces are dropped) and returns {@code pos}. */
        int emit(int pos) {
            if (pos > prevEnd) {
                lengths.add(pos - prevEnd);
            }
            prevEnd = pos;
            return pos;
        }
    }

    /** {@code \p{L}}: general category L*. */
    static boolean isLetter(int cp) {
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> true;
            default -> false;
        };
    }

    /** {@code \p{N}}: general category N*. */
    static boolean isNumber(int cp) {
        return switch (Character.getType(cp)) {
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> true;
            default -> false;
        };
    }

    /** {@code \s}: the Unicode White_Space property, the set llama.cpp uses. */
    static boolean isWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }
}
