package dev.lopper.convert.torch;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lopper.convert.FuzzProperty;
import dev.lopper.convert.StoredZipEntries;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipOutputStream;

/**
 * Fuzz target (Jazzer, docs/fuzzing.md) for the restricted unpickler: any bytes as the {@code data.pkl} of a
 * well-formed torch.save zip (storages {@code 0}, {@code 1}, {@code 2} of 64, 32 and 16 bytes, as the seeds use)
 * give tensors inside the file or a {@link TorchFormatException} within 10 s; no global outside the allowed few is
 * ever resolved. Without JAZZER_FUZZ this replays the seeds (pickles of state dicts, and a real GPTQ-for-LLaMa
 * shard's) and every crash found, kept in
 * {@code src/test/resources/dev/lopper/convert/torch/TorchPickleFuzzTestInputs/load}.
 */
class TorchPickleFuzzTest {
    private static final Path FILE = FuzzProperty.scratch("torch-pickle").resolve("pytorch_model.bin");

    @FuzzTest(maxDuration = "3m")
    void load(byte[] pickle) throws IOException {
        byte[] zip = zip(pickle);
        Files.write(FILE, zip);
        FuzzProperty.check(pickle.length, TorchFormatException.class,
                () -> FuzzProperty.insideFile(TorchCheckpoint.read(FILE), zip.length));
    }

    private static byte[] zip(byte[] pickle) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(pickle.length + 1024);
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            StoredZipEntries.put(z, "archive/data.pkl", pickle);
            StoredZipEntries.put(z, "archive/byteorder", "little".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            StoredZipEntries.put(z, "archive/data/0", new byte[64]);
            StoredZipEntries.put(z, "archive/data/1", new byte[32]);
            StoredZipEntries.put(z, "archive/data/2", new byte[16]);
        }
        return bytes.toByteArray();
    }
}
