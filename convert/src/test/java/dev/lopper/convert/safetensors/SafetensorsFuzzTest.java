package dev.lopper.convert.safetensors;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lopper.convert.FuzzProperty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzz target (Jazzer, docs/fuzzing.md): any bytes read as a {@code .safetensors} file give tensors that lie inside
 * the file, or a {@link SafetensorsFormatException}, within 10 s. Without JAZZER_FUZZ this replays the seeds and every
 * crash found, kept in {@code src/test/resources/dev/lopper/convert/safetensors/SafetensorsFuzzTestInputs/read}.
 */
class SafetensorsFuzzTest {
    private static final Path FILE = FuzzProperty.scratch("safetensors").resolve("fuzz.safetensors");

    @FuzzTest(maxDuration = "3m")
    void read(byte[] data) throws IOException {
        Files.write(FILE, data);
        FuzzProperty.check(data.length, SafetensorsFormatException.class,
                () -> FuzzProperty.insideFile(SafetensorsFile.read(FILE), data.length));
    }
}
