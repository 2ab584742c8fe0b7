package dev.lopper.convert;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lopper.convert.hf.HfConfig;
import dev.lopper.convert.hf.Vocabulary;
import dev.lopper.convert.io.FormatException;
import dev.lopper.gguf.GgufMetadata;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;

/**
 * Fuzz target (Jazzer, docs/fuzzing.md): any bytes as the {@code tokenizer.json} of a folder (beside a fixed
 * {@code tokenizer_config.json}, for a model of 16 embedding rows) give GGUF tokenizer metadata that builds, or a
 * {@link FormatException}, within 10 s: the byte-level BPE reader, added tokens, pre-tokenizer detection and the
 * special ids. Without JAZZER_FUZZ this replays the seeds and every crash found, kept in
 * {@code src/test/resources/dev/lopper/convert/TokenizerJsonFuzzTestInputs/vocabulary}.
 */
class TokenizerJsonFuzzTest {
    private static final int N_VOCAB = 16;
    private static final Path DIR = FuzzProperty.scratch("tokenizer-json");
    private static final HfConfig CONFIG;

    static {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode().put("bos_token_id", 12).put("eos_token_id", 13).put("pad_token_id", 99);
        CONFIG = new HfConfig(root, "llama", 32, 64, 1, 1, 1, 32);
        ObjectNode tc = json.createObjectNode().put("bos_token", "<|begin_of_text|>").put("eos_token", "<|end_of_text|>")
                .put("add_bos_token", true).put("chat_template", "{{ messages[0].content }}");
        try {
            Files.writeString(DIR.resolve("tokenizer_config.json"), json.writeValueAsString(tc));
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @FuzzTest(maxDuration = "3m")
    void vocabulary(byte[] data) throws IOException {
        Files.write(DIR.resolve("tokenizer.json"), data);
        FuzzProperty.check(data.length, FormatException.class, () -> {
            GgufMetadata.Builder md = GgufMetadata.builder();
            Vocabulary.add(DIR, N_VOCAB, CONFIG, md, new ArrayList<>());
            md.build().toString();
        });
    }
}
