package dev.lopper.engine.tokenizer;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * llama.cpp's tokenizer test vectors (tests/test-tokenizer-0 on models/ggml-vocab-*.gguf): encoding without special
 * tokens and without parsing them must give exactly the expected ids, for every case.
 */
class LlamaCppTokenizerVectorsTest {
    private static final Tokenizer SPM = TokenizerFixtures.tokenizer(TokenizerFixtures.resource(TokenizerFixtures.SPM_VOCAB));
    private static final Tokenizer GPT2 = TokenizerFixtures.tokenizer(TokenizerFixtures.resource(TokenizerFixtures.GPT2_VOCAB));

    @TestFactory
    Stream<DynamicTest> llamaSpm() {
        return cases(SPM, TokenizerFixtures.SPM_VOCAB);
    }

    @TestFactory
    Stream<DynamicTest> gpt2() {
        return cases(GPT2, TokenizerFixtures.GPT2_VOCAB);
    }

    @Test
    void allVectorsPass() {
        assertInstanceOf(SentencePieceTokenizer.class, SPM);
        assertInstanceOf(BpeTokenizer.class, GPT2);
        // 46 cases each: the .inp files end with a separator, which starts no further case (as llama.cpp reads them)
        assertEquals("46/46", score(SPM, TokenizerFixtures.SPM_VOCAB));
        assertEquals("46/46", score(GPT2, TokenizerFixtures.GPT2_VOCAB));
    }

    /** "passed/total", printing the failures. */
    private static String score(Tokenizer tokenizer, String vocab) {
        List<TokenizerFixtures.Case> cases = TokenizerFixtures.vectors(vocab);
        List<String> failures = new ArrayList<>();
        for (TokenizerFixtures.Case c : cases) {
            int[] got = tokenizer.encode(c.text(), false, false);
            if (!Arrays.equals(c.expected(), got)) {
                failures.add(c + ": expected " + Arrays.toString(c.expected()) + " got " + Arrays.toString(got));
            }
        }
        String score = (cases.size() - failures.size()) + "/" + cases.size();
        System.out.println(vocab + ": " + score + " llama.cpp vectors pass");
        failures.forEach(f -> System.out.println("  FAIL " + f));
        return score;
    }

    private static Stream<DynamicTest> cases(Tokenizer tokenizer, String vocab) {
        return TokenizerFixtures.vectors(vocab).stream().map(c -> DynamicTest.dynamicTest(c.toString(),
                () -> assertArrayEquals(c.expected(), tokenizer.encode(c.text(), false, false), c.toString())));
    }
}
