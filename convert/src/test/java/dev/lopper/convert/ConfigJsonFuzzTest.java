package dev.lopper.convert;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lopper.convert.gptq.GptqSettings;
import dev.lopper.convert.hf.CheckpointFiles;
import dev.lopper.convert.hf.HfConfig;
import dev.lopper.convert.hf.QuantizationConfig;
import dev.lopper.convert.hf.Vocabulary;
import dev.lopper.convert.io.FormatException;
import dev.lopper.convert.io.StoredTensor;
import dev.lopper.convert.io.TensorReader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Fuzz target (Jazzer, docs/fuzzing.md): any bytes as the {@code config.json} of a small fixed LLaMA folder (one
 * layer, hidden 32, one head, ffn 64, 1024-token SentencePiece vocabulary, fp16 safetensors) go through what
 * {@link HfConverter#convert} does before it writes tensors: {@link HfConfig}, {@link QuantizationConfig}, the
 * plan's checks of every tensor against the config, rope scaling, and the config's special ids; the result is GGUF
 * metadata that builds, or a {@link FormatException}, within 10 s. Without JAZZER_FUZZ this replays the seeds and
 * every crash found, kept in {@code src/test/resources/dev/lopper/convert/ConfigJsonFuzzTestInputs/plan}.
 */
class ConfigJsonFuzzTest {
    private static final Path DIR = FuzzProperty.scratch("config-json").resolve("tiny");
    private static final Map<String, StoredTensor> TENSORS;
    private static final TensorReader READER = new TensorReader();

    static {
        try {
            new SyntheticFolder(1, 1, 1, 64).write(DIR);
            TENSORS = CheckpointFiles.read(DIR);
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @FuzzTest(maxDuration = "3m")
    void plan(byte[] data) throws IOException {
        Files.write(DIR.resolve("config.json"), data);
        FuzzProperty.check(data.length, FormatException.class, () -> {
            HfConfig config = HfConfig.read(DIR);
            Optional<GptqSettings> gptq = QuantizationConfig.read(DIR, config);
            List<String> notes = new ArrayList<>();
            LlamaPlan plan = LlamaPlan.build("tiny", config, TENSORS, gptq, OutType.AUTO, READER, notes);
            int nVocab = Math.toIntExact(plan.tensors.getFirst().shape()[1]);
            Vocabulary.add(DIR, nVocab, config, plan.metadata, notes);
            plan.metadata.build().toString();
        });
    }
}
