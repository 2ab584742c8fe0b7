package dev.lopper.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lopper.gguf.GgufMetadata;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class SentencePieceTokenizerTest {
    private static final Tokenizer LLAMA = TokenizerFixtures.tokenizer(TokenizerFixtures.resource(TokenizerFixtures.SPM_VOCAB));

    @Test
    void vocabularyFromGguf() {
        Vocabulary v = LLAMA.vocabulary();
        assertEquals(32000, LLAMA.vocabSize());
        assertEquals(1, LLAMA.bos());
        assertEquals(2, LLAMA.eos());
        assertEquals(0, v.unk());
        assertEquals(Vocabulary.NONE, v.pad());
        assertTrue(v.addBos());
        assertFalse(v.addEos());
        assertTrue(v.addSpacePrefix());
        assertEquals(TokenType.CONTROL, v.type(1));
        assertEquals(TokenType.BYTE, v.type(13));
        assertTrue(LLAMA.isEndOfGeneration(2));
        assertFalse(LLAMA.isEndOfGeneration(1));
    }

    /** decode(encode(s)) == s for every llama.cpp vector: SentencePiece with byte fallback loses nothing. */
    @Test
    void roundTripsEveryVector() {
        List<String> failures = new ArrayList<>();
        List<TokenizerFixtures.Case> cases = TokenizerFixtures.vectors(TokenizerFixtures.SPM_VOCAB);
        for (TokenizerFixtures.Case c : cases) {
            String back = LLAMA.decode(LLAMA.encode(c.text(), false, false));
            if (!back.equals(c.text())) {
                failures.add(c + " -> " + TokenizerFixtures.escape(back));
            }
            String withBos = LLAMA.decode(LLAMA.encode(c.text(), true, false));
            if (!withBos.equals(c.text())) {
                failures.add(c + " (with BOS) -> " + TokenizerFixtures.escape(withBos));
            }
        }
        System.out.println("SPM round trip: " + (cases.size() - failures.size()) + "/" + cases.size());
        assertEquals(List.of(), failures);
    }

    @Test
    void addSpecialAddsBos() {
        assertArrayEquals(new int[] {1, 15043, 3186}, LLAMA.encode("Hello world", true, false));
        assertArrayEquals(new int[] {15043, 3186}, LLAMA.encode("Hello world", false, false));
        assertArrayEquals(new int[] {1}, LLAMA.encode("", true, false));
        assertArrayEquals(new int[0], LLAMA.encode("", false, false));
    }

    @Test
    void parsesControlTokensOnlyWhenAsked() {
        // after a special token the text gets the space prefix again, as in llama.cpp
        assertArrayEquals(new int[] {1, 15043, 2}, LLAMA.encode("<s>Hello</s>", false, true));
        assertArrayEquals(new int[] {1, 1, 15043, 2}, LLAMA.encode("<s>Hello</s>", true, true));
        int[] literal = LLAMA.encode("<s>Hello</s>", false, false);
        assertTrue(IntStream.of(literal).noneMatch(id -> id == 1 || id == 2), Arrays.toString(literal));
        assertEquals("<s>Hello</s>", LLAMA.decode(literal));

        int[] mixed = LLAMA.encode("Hi</s>there", false, true);
        int[] expected = IntStream.concat(IntStream.concat(IntStream.of(LLAMA.encode("Hi", false, false)), IntStream.of(2)),
                IntStream.of(LLAMA.encode("there", false, false))).toArray();
        assertArrayEquals(expected, mixed);
        assertEquals("Hi there", LLAMA.decode(mixed)); // control token hidden; "there" got its space prefix
        assertEquals("Hi</s> there", LLAMA.decode(mixed, true));
    }

    @Test
    void decodeDropsTheLeadingSpaceOfTheFirstPiece() {
        assertEquals("Hello world", LLAMA.decode(new int[] {15043, 3186}));
        assertEquals("Hello world", LLAMA.decode(new int[] {1, 15043, 3186}));
        assertEquals("<s> Hello world", LLAMA.decode(new int[] {1, 15043, 3186}, true)); // llama.cpp with specials
        assertEquals(" Hello", LLAMA.decode(new int[] {29871, 15043})); // "▁" + "▁Hello": only one space goes
    }

    @Test
    void pieceBytes() {
        assertArrayEquals(" Hello".getBytes(StandardCharsets.UTF_8), LLAMA.pieceBytes(15043));
        assertArrayEquals(new byte[] {'\n'}, LLAMA.pieceBytes(13)); // <0x0A>
        assertArrayEquals(new byte[] {(byte) 0xF0}, LLAMA.pieceBytes(243)); // <0xF0>
        assertArrayEquals(new byte[0], LLAMA.pieceBytes(1));
        assertArrayEquals("<s>".getBytes(StandardCharsets.UTF_8), LLAMA.pieceBytes(1, true));
        assertArrayEquals(new byte[0], LLAMA.pieceBytes(0)); // <unk> is hidden like control tokens
    }

    @Test
    void unknownCharactersFallBackToBytes() {
        // 🦙 is not a piece: its four UTF-8 bytes become <0xF0> <0x9F> <0xA6> <0x99>
        assertArrayEquals(new int[] {29871, 243, 162, 169, 156}, LLAMA.encode("🦙", false, false));
        assertEquals("🦙", LLAMA.decode(new int[] {29871, 243, 162, 169, 156}));
    }

    /** Highest score merges first; equal scores merge leftmost first; a character without a token becomes unk. */
    @Test
    void mergeOrderOnAHandMadeVocabulary() {
        Tokenizer tie = Tokenizer.fromGguf(spmMetadata(new String[] {"<unk>", "<s>", "</s>", "a", "b", "c", "ab", "bc"},
                new float[] {0, 0, 0, -5, -5, -5, -1, -1}));
        assertArrayEquals(new int[] {6, 5}, tie.encode("abc", false, false));
        Tokenizer right = Tokenizer.fromGguf(spmMetadata(new String[] {"<unk>", "<s>", "</s>", "a", "b", "c", "ab", "bc"},
                new float[] {0, 0, 0, -5, -5, -5, -2, -1}));
        assertArrayEquals(new int[] {3, 7}, right.encode("abc", false, false));
        assertArrayEquals(new int[] {3, 0, 5}, right.encode("axc", false, false));
    }

    private static GgufMetadata spmMetadata(String[] pieces, float[] scores) {
        int[] types = new int[pieces.length];
        Arrays.fill(types, 1);
        types[0] = 2;
        types[1] = 3;
        types[2] = 3;
        return GgufMetadata.builder()
                .putString(Vocabulary.KEY_MODEL, "llama")
                .putStringArray(Vocabulary.KEY_TOKENS, pieces)
                .putFloat32Array(Vocabulary.KEY_SCORES, scores)
                .putInt32Array(Vocabulary.KEY_TOKEN_TYPE, types)
                .putBool(Vocabulary.KEY_ADD_SPACE_PREFIX, false)
                .build();
    }

    /** The fixtures' 1024-piece vocabulary gives the prompt tokens of ref.json (BOS first). */
    @Test
    void tinyFixturePrompt() throws IOException {
        Path dir = TokenizerFixtures.shared().map(s -> s.resolve("fixtures/tiny")).orElse(null);
        assumeTrue(dir != null && Files.exists(dir.resolve("tiny-f32.gguf")), "../shared not present");
        JsonNode ref = new ObjectMapper().readTree(dir.resolve("tiny-f32.ref.json").toFile());
        int[] expected = new int[ref.get("tokens").size()];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = ref.get("tokens").get(i).asInt();
        }
        Tokenizer tiny = TokenizerFixtures.tokenizer(dir.resolve("tiny-f32.gguf"));
        assertEquals(1024, tiny.vocabSize());
        assertArrayEquals(expected, tiny.encode("Once upon a time, the software", true, false));
        assertEquals("Once upon a time, the software", tiny.decode(expected));
    }

    /** stories260K's 200 greedy tokens (after BOS) decode to llama2.c's expected text, byte for byte. */
    @Test
    void stories260KGreedyText() throws IOException {
        Path gguf = TokenizerFixtures.shared().map(s -> s.resolve("models/stories260K.gguf")).orElse(null);
        assumeTrue(gguf != null && Files.exists(gguf), "../shared not present");
        Tokenizer stories = TokenizerFixtures.tokenizer(gguf);
        assertEquals(512, stories.vocabSize());
        int[] ids = Arrays.stream(Files.readString(TokenizerFixtures.resource("stories260K.greedy200.tokens.txt")).strip()
                .split("\\s+")).mapToInt(Integer::parseInt).toArray();
        assertEquals(200, ids.length);
        byte[] expected = Files.readAllBytes(TokenizerFixtures.resource("stories260K.greedy200.txt"));

        assertArrayEquals(expected, stories.decode(ids).getBytes(StandardCharsets.UTF_8));
        int[] fromBos = IntStream.concat(IntStream.of(stories.bos()), IntStream.of(ids)).toArray();
        assertArrayEquals(expected, stories.decode(fromBos).getBytes(StandardCharsets.UTF_8));

        StreamDecoder stream = new StreamDecoder(stories);
        StringBuilder streamed = new StringBuilder();
        for (int id : fromBos) {
            streamed.append(stream.accept(id));
        }
        streamed.append(stream.flush());
        assertArrayEquals(expected, streamed.toString().getBytes(StandardCharsets.UTF_8));
    }
}
