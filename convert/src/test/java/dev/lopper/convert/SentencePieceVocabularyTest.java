package dev.lopper.convert;

import dev.lopper.convert.hf.HfConfig;
import dev.lopper.convert.hf.Vocabulary;
import dev.lopper.convert.sentencepiece.SentencePieceFormatException;
import dev.lopper.convert.sentencepiece.SentencePieceModel;
import dev.lopper.gguf.GgufFile;
import dev.lopper.gguf.GgufMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The LLaMA tokenizer.model, parsed in Java, gives exactly the tokenizer.ggml.tokens / scores / token_type arrays
 * that llama.cpp's converter wrote into ggml-vocab-llama-spm.gguf from the same file.
 */
class SentencePieceVocabularyTest {

    /** llama.cpp's vocab file: in ../shared, or the copy the synth code ships as a resource. */
    static Path llamaVocabGguf() throws IOException {
        Path shared = TestFiles.shared().resolve("fixtures/tokenizer/ggml-vocab-llama-spm.gguf");
        if (Files.isRegularFile(shared)) {
            return shared;
        }
        try (Stream<Path> s = Files.walk(TestFiles.projectRoot(), 12)) {
            return s.filter(p -> p.getFileName().toString().equals("llama-spm-vocab.gguf"))
                    .filter(p -> p.toString().contains("src/main/resources")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("llama-spm-vocab.gguf not found in the project"));
        }
    }

    @Test
    void llamaVocabularyEqualsLlamaCpps(@TempDir Path dir) throws Exception {
        Files.copy(TestFiles.inRepo("tokenizer/llama-tokenizer.model"), dir.resolve("tokenizer.model"));
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "num_attention_heads": 1,
                 "num_hidden_layers": 1, "intermediate_size": 64, "vocab_size": 32000,
                 "bos_token_id": 1, "eos_token_id": 2}""");
        GgufMetadata.Builder md = GgufMetadata.builder();
        List<String> notes = new ArrayList<>();
        Vocabulary.add(dir, 32000, HfConfig.read(dir), md, notes);
        GgufMetadata ours = md.build();
        try (GgufFile ref = GgufFile.open(llamaVocabGguf())) {
            GgufMetadata theirs = ref.metadata();
            assertArrayEquals(theirs.getStringArray("tokenizer.ggml.tokens"), ours.getStringArray("tokenizer.ggml.tokens"));
            assertArrayEquals(theirs.getFloatArray("tokenizer.ggml.scores"), ours.getFloatArray("tokenizer.ggml.scores"));
            assertArrayEquals(theirs.getIntArray("tokenizer.ggml.token_type"),
                    ours.getIntArray("tokenizer.ggml.token_type"));
            assertEquals(theirs.getString("tokenizer.ggml.model"), ours.getString("tokenizer.ggml.model"));
            for (String key : List.of("tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
                    "tokenizer.ggml.unknown_token_id")) {
                if (theirs.has(key)) {
                    assertEquals(theirs.getInt(key), ours.getInt(key), key);
                }
            }
        }
        assertTrue(notes.isEmpty(), notes.toString());
    }

    @Test
    void padsToTheModelsVocabularyAsLlamaCppDoes(@TempDir Path dir) throws Exception {
        Files.copy(TestFiles.inRepo("tokenizer/llama-tokenizer.model"), dir.resolve("tokenizer.model"));
        Files.writeString(dir.resolve("config.json"), """
                {"model_type": "llama", "hidden_size": 64, "num_attention_heads": 1,
                 "num_hidden_layers": 1, "intermediate_size": 64, "vocab_size": 32003}""");
        GgufMetadata.Builder md = GgufMetadata.builder();
        Vocabulary.add(dir, 32003, HfConfig.read(dir), md, new ArrayList<>());
        GgufMetadata m = md.build();
        String[] tokens = m.getStringArray("tokenizer.ggml.tokens");
        assertEquals(32003, tokens.length);
        assertEquals("[PAD32000]", tokens[32000]);
        assertEquals("[PAD32002]", tokens[32002]);
        assertEquals(-10000f, m.getFloatArray("tokenizer.ggml.scores")[32001]);
        assertEquals(5, m.getIntArray("tokenizer.ggml.token_type")[32002]); // UNUSED
    }

    @Test
    void garbageIsAOneLineError() {
        byte[] random = new byte[4096];
        new java.util.Random(7).nextBytes(random);
        SentencePieceFormatException e = assertThrows(SentencePieceFormatException.class,
                () -> SentencePieceModel.parse("tokenizer.model", random));
        assertTrue(e.getMessage().startsWith("tokenizer.model: "), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
        // a length prefix that claims more than the file holds
        byte[] lying = {0x0a, (byte) 0xff, (byte) 0xff, 0x7f, 0x0a, 0x01, 0x41};
        e = assertThrows(SentencePieceFormatException.class, () -> SentencePieceModel.parse("tokenizer.model", lying));
        assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
        // valid protobuf, but no pieces
        e = assertThrows(SentencePieceFormatException.class,
                () -> SentencePieceModel.parse("tokenizer.model", new byte[]{0x10, 0x01}));
        assertTrue(e.getMessage().contains("no pieces"), e.getMessage());
    }

}
