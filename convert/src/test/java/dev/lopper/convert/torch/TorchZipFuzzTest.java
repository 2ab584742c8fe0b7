package dev.lopper.convert.torch;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lopper.convert.FuzzProperty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzz target (Jazzer, docs/fuzzing.md): any bytes read as a {@code torch.save} file (zip directory, ZIP64 records,
 * local headers, then the pickle) give tensors that lie inside the file, or a {@link TorchFormatException}, within
 * 10 s. {@link TorchPickleFuzzTest} mutates the pickle alone. Without JAZZER_FUZZ this replays the seeds and every
 * crash found, kept in {@code src/test/resources/dev/lopper/convert/torch/TorchZipFuzzTestInputs/read}.
 */
class TorchZipFuzzTest {
    private static final Path FILE = FuzzProperty.scratch("torch-zip").resolve("pytorch_model.bin");

    @FuzzTest(maxDuration = "3m")
    void read(byte[] data) throws IOException {
        Files.write(FILE, data);
        FuzzProperty.check(data.length, TorchFormatException.class,
                () -> FuzzProperty.insideFile(TorchCheckpoint.read(FILE), data.length));
    }
}
