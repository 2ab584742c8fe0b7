package dev.lopper.engine.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PreTokenizerTest {
    private static final PreTokenizer GPT2 = PreTokenizer.forName("gpt-2");
    private static final PreTokenizer LLAMA3 = PreTokenizer.forName("llama-bpe");
    private static final PreTokenizer DEFAULT = PreTokenizer.forName("default");

    @Test
    void gpt2() {
        assertEquals(List.of("Hello", " world"), GPT2.split("Hello world"));
        // \s+(?!\S): the last space of a run goes with the word after it
        assertEquals(List.of("Hello", " ", " world"), GPT2.split("Hello  world"));
        assertEquals(List.of("   "), GPT2.split("   "));
        assertEquals(List.of("a", "  ", " b"), GPT2.split("a   b"));
        assertEquals(List.of("\n\n", " b"), GPT2.split("\n\n b"));
        assertEquals(List.of("I", "'m", " 3333", " cats", "!!", " '", "Ll"), GPT2.split("I'm 3333 cats!! 'Ll"));
        assertEquals(List.of(" 🦙.", "cpp"), GPT2.split(" 🦙.cpp")); // a symbol and punctuation form one run
        assertEquals(List.of(), GPT2.split(""));
    }

    @Test
    void llama3() {
        assertEquals(List.of("333", "333", "3"), LLAMA3.split("3333333"));
        assertEquals(List.of("Hello", "\n\n\n", "World"), LLAMA3.split("Hello\n\n\nWorld"));
        assertEquals(List.of(" ", " Hello"), LLAMA3.split("  Hello"));
        assertEquals(List.of("I", "'M", " fine", "..\n"), LLAMA3.split("I'M fine..\n"));
        assertEquals(List.of("Hello", ",", " y", "'all", "!"), LLAMA3.split("Hello, y'all!"));
    }

    @Test
    void defaultChainSplitsPunctuationAndDigitGroups() {
        assertEquals(List.of("Hello", ",", " world", "!!", " ", "123", "45"), DEFAULT.split("Hello, world!! 12345"));
    }

    @Test
    void unknownNamesFallBackToDefault() {
        PreTokenizer unknown = PreTokenizer.forName("surely-not-a-pre-tokenizer");
        assertEquals(DEFAULT.steps(), unknown.steps());
        assertEquals(DEFAULT.split("Hello, world!! 12345"), unknown.split("Hello, world!! 12345"));
        assertTrue(LLAMA3.addBos());
        assertTrue(LLAMA3.ignoreMerges());
        assertFalse(GPT2.addBos());
    }

    /** Whitespace as llama.cpp classifies it (Unicode White_Space), for the reference regexes below. */
    private static final String WS = "[\\t\\n\\x0B\\f\\r\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]";
    private static final String NOT_WS = "[^\\t\\n\\x0B\\f\\r\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]";

    private static final Pattern GPT2_REGEX = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?(?:(?!" + WS + ")[^\\p{L}\\p{N}])+|" + WS + "+(?!" + NOT_WS + ")|" + WS + "+");
    private static final Pattern LLAMA3_REGEX = Pattern.compile(
            "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
                    + "| ?(?:(?!" + WS + ")[^\\p{L}\\p{N}])+[\\r\\n]*|" + WS + "*[\\r\\n]+|" + WS + "+(?!" + NOT_WS + ")|" + WS + "+");

    /** The ported splitters agree with the regular expressions they stand for, on random text. */
    @Test
    void splittersMatchTheirRegexes() {
        String[] alphabet = {"a", "Z", "é", "s", "t", "l", "e", "S", "L", "3", "٣", "½", " ", " ", "\n", "\r", "\t",
                "\u00A0", "\u3000", "!", ".", "'", "😀", "中", "\u0301", "-", "$"};
        Random random = new Random(42);
        for (int trial = 0; trial < 20_000; trial++) {
            StringBuilder b = new StringBuilder();
            int n = random.nextInt(12);
            for (int i = 0; i < n; i++) {
                b.append(alphabet[random.nextInt(alphabet.length)]);
            }
            String text = b.toString();
            assertEquals(regexSplit(GPT2_REGEX, text), GPT2.split(text), () -> "gpt2 " + TokenizerFixtures.escape(text));
            assertEquals(regexSplit(LLAMA3_REGEX, text), LLAMA3.split(text), () -> "llama3 " + TokenizerFixtures.escape(text));
        }
    }

    private static List<String> regexSplit(Pattern pattern, String text) {
        List<String> out = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) {
                out.add(text.substring(last, m.start()));
            }
            out.add(m.group());
            last = m.end();
        }
        if (last < text.length()) {
            out.add(text.substring(last));
        }
        return out;
    }
}
