package dev.lopper.convert;

import dev.lopper.convert.io.CheckpointFormatException;
import dev.lopper.convert.safetensors.SafetensorsFormatException;
import dev.lopper.convert.sentencepiece.SentencePieceFormatException;
import dev.lopper.convert.torch.TorchFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile and broken inputs, made in code: each conversion fails with a one-line error of the reader's exception
 * type naming the file and what is wrong, and leaves nothing in the output folder.
 */
class HostileInputTest {

    /** Converts {@code in} into an empty folder, expects {@code type}, checks the folder stays empty. */
    private static <T extends IOException> T fails(Class<T> type, Path in, Path tmp) throws IOException {
        Path outDir = Files.createDirectories(tmp.resolve("out"));
        T e = assertThrows(type, () -> HfConverter.convert(in, outDir.resolve("m.gguf"), OutType.AUTO,
                ConvertListener.NONE));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertEquals(List.of(), TestFiles.listing(outDir), "nothing left behind after: " + e.getMessage());
        return e;
    }

    private static Path copyFixture(String name, Path tmp) throws IOException {
        Path src = TestFiles.inRepo("gptq/" + name);
        Path dst = Files.createDirectories(tmp.resolve(name));
        try (Stream<Path> s = Files.list(src)) {
            for (Path p : s.toList()) {
                Files.copy(p, dst.resolve(p.getFileName()));
            }
        }
        return dst;
    }

    /** A torch.save-style zip (entries stored) holding {@code pickle} as archive/data.pkl. */
    private static byte[] torchZip(byte[] pickle, Map<String, byte[]> storages) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            StoredZipEntries.put(z, "archive/data.pkl", pickle);
            for (var e : storages.entrySet()) {
                StoredZipEntries.put(z, "archive/data/" + e.getKey(), e.getValue());
            }
            StoredZipEntries.put(z, "archive/version", "3\n".getBytes());
        }
        return bytes.toByteArray();
    }

    private static Path binFolder(Path tmp, byte[] bin) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("bin"));
        Files.writeString(dir.resolve("config.json"), SyntheticFolder.JSON.writeValueAsString(
                new SyntheticFolder(1, 2, 1, 64).config));
        Files.write(dir.resolve("pytorch_model.bin"), bin);
        return dir;
    }

    @Test
    void pickleCallingOsSystemIsRefused(@TempDir Path tmp) throws IOException {
        // {'x': os.system('echo pwned')} as protocol 2: PROTO 2, EMPTY_DICT, MARK, 'x', GLOBAL os system, 'echo', TUPLE1, REDUCE, SETITEMS, STOP
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(new byte[]{(byte) 0x80, 2, '}', '('});
        unicode(p, "x");
        p.write("cos\nsystem\n".getBytes());
        unicode(p, "echo pwned");
        p.write(new byte[]{(byte) 0x85, 'R', 'u', '.'});
        Path dir = binFolder(tmp, torchZip(p.toByteArray(), Map.of()));
        TorchFormatException e = fails(TorchFormatException.class, dir, tmp);
        assertTrue(e.getMessage().contains("'os.system' is not allowed"), e.getMessage());
        assertTrue(e.getMessage().startsWith("pytorch_model.bin: archive/data.pkl: "), e.getMessage());
    }

    @Test
    void pickleWithBuiltinsEvalViaStackGlobalIsRefused(@TempDir Path tmp) throws IOException {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(new byte[]{(byte) 0x80, 4});
        shortUnicode(p, "builtins");
        shortUnicode(p, "eval");
        p.write(new byte[]{(byte) 0x93});
        shortUnicode(p, "1+1");
        p.write(new byte[]{(byte) 0x85, 'R', '.'});
        Path dir = binFolder(tmp, torchZip(p.toByteArray(), Map.of()));
        TorchFormatException e = fails(TorchFormatException.class, dir, tmp);
        assertTrue(e.getMessage().contains("'builtins.eval' is not allowed"), e.getMessage());
    }

    @Test
    void pickleLengthPastTheEndIsRefusedBeforeAllocating(@TempDir Path tmp) throws IOException {
        // BINUNICODE claiming 2 GB
        byte[] p = {(byte) 0x80, 2, 'X', (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f, 'a', '.'};
        TorchFormatException e = fails(TorchFormatException.class, binFolder(tmp, torchZip(p, Map.of())), tmp);
        assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
    }

    @Test
    void legacyTorchSaveIsNamed(@TempDir Path tmp) throws IOException {
        byte[] legacy = {(byte) 0x80, 2, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20,
                0x6a, (byte) 0xa8, 0x50, 0x19, '.'};
        TorchFormatException e = fails(TorchFormatException.class, binFolder(tmp, legacy), tmp);
        assertTrue(e.getMessage().contains("legacy torch.save format"), e.getMessage());
    }

    @Test
    void truncatedZipShardIsAnError(@TempDir Path tmp) throws IOException {
        Path dir = copyFixture("gptq-wvu-bin-shards", tmp);
        Path shard = dir.resolve("pytorch_model-00002-of-00003.bin");
        byte[] all = Files.readAllBytes(shard);
        Files.write(shard, java.util.Arrays.copyOf(all, all.length / 2));
        TorchFormatException e = fails(TorchFormatException.class, dir, tmp);
        assertTrue(e.getMessage().startsWith("pytorch_model-00002-of-00003.bin: "), e.getMessage());
        // cut only the last bytes: the directory is gone, the end record too
        Files.write(shard, java.util.Arrays.copyOf(all, all.length - 10));
        fails(TorchFormatException.class, dir, tmp);
    }

    @Test
    void missingShardIsNamed(@TempDir Path tmp) throws IOException {
        Path dir = copyFixture("gptq-wvu-bin-shards", tmp);
        Files.delete(dir.resolve("pytorch_model-00003-of-00003.bin"));
        CheckpointFormatException e = fails(CheckpointFormatException.class, dir, tmp);
        assertTrue(e.getMessage().contains("shard 'pytorch_model-00003-of-00003.bin' is missing"), e.getMessage());
    }

    @Test
    void safetensorsHeaderLongerThanTheFile(@TempDir Path tmp) throws IOException {
        Path dir = new SyntheticFolder(1, 2, 1, 64).write(tmp.resolve("m"));
        byte[] st = Files.readAllBytes(dir.resolve("model.safetensors"));
        st[6] = 0x10; // header length 2^52
        Files.write(dir.resolve("model.safetensors"), st);
        SafetensorsFormatException e = fails(SafetensorsFormatException.class, dir, tmp);
        assertTrue(e.getMessage().startsWith("model.safetensors: header length"), e.getMessage());
    }

    @Test
    void safetensorsOffsetsPastTheDataOrDisagreeingWithTheShape(@TempDir Path tmp) throws IOException {
        Path dir = new SyntheticFolder(1, 2, 1, 64).write(tmp.resolve("m"));
        String h = "{\"a\": {\"dtype\": \"F16\", \"shape\": [4, 4], \"data_offsets\": [0, 32]}}";
        Files.write(dir.resolve("model.safetensors"), SyntheticFolder.safetensors(h, List.of(new byte[16])));
        SafetensorsFormatException e = fails(SafetensorsFormatException.class, dir, tmp);
        assertTrue(e.getMessage().contains("tensor 'a': data_offsets [0, 32) lie outside the data (16 bytes)"),
                e.getMessage());
        h = "{\"a\": {\"dtype\": \"F16\", \"shape\": [4, 4], \"data_offsets\": [0, 16]}}";
        Files.write(dir.resolve("model.safetensors"), SyntheticFolder.safetensors(h, List.of(new byte[16])));
        e = fails(SafetensorsFormatException.class, dir, tmp);
        assertTrue(e.getMessage().contains("hold 16 bytes but F16 [4,4] needs 32"), e.getMessage());
        h = "{\"a\": {\"dtype\": \"F16\", \"shape\": [4294967296, 4294967296], \"data_offsets\": [0, 16]}}";
        Files.write(dir.resolve("model.safetensors"), SyntheticFolder.safetensors(h, List.of(new byte[16])));
        e = fails(SafetensorsFormatException.class, dir, tmp);
        assertTrue(e.getMessage().contains("more than 2^63"), e.getMessage());
    }

    @Test
    void missingTensorIsNamed(@TempDir Path tmp) throws IOException {
        SyntheticFolder f = new SyntheticFolder(2, 2, 1, 64);
        f.tensors.remove("model.layers.1.mlp.up_proj.weight");
        CheckpointFormatException e = fails(CheckpointFormatException.class, f.write(tmp.resolve("m")), tmp);
        assertTrue(e.getMessage().contains("'model.layers.1.mlp.up_proj.weight' is missing"), e.getMessage());
        f = new SyntheticFolder(1, 2, 1, 64);
        f.tensors.remove("model.norm.weight");
        e = fails(CheckpointFormatException.class, f.write(tmp.resolve("m2")), tmp);
        assertTrue(e.getMessage().contains("'model.norm.weight' is missing"), e.getMessage());
    }

    @Test
    void wrongShapeIsNamed(@TempDir Path tmp) throws IOException {
        SyntheticFolder f = new SyntheticFolder(1, 2, 1, 64);
        f.f16("model.layers.0.mlp.down_proj.weight", f.dim, 96);
        CheckpointFormatException e = fails(CheckpointFormatException.class, f.write(tmp.resolve("m")), tmp);
        assertTrue(e.getMessage().contains("tensor 'model.layers.0.mlp.down_proj.weight' has shape [64, 96], "
                + "expected [64, 64]"), e.getMessage());
    }

    @Test
    void garbageTokenizerIsAnError(@TempDir Path tmp) throws IOException {
        Path dir = copyFixture("gptq-4bit-128g", tmp);
        byte[] junk = new byte[2000];
        new java.util.Random(3).nextBytes(junk);
        Files.write(dir.resolve("tokenizer.model"), junk);
        SentencePieceFormatException e = fails(SentencePieceFormatException.class, dir, tmp);
        assertTrue(e.getMessage().startsWith("tokenizer.model: "), e.getMessage());
        Files.delete(dir.resolve("tokenizer.model"));
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 5000}}}");
        CheckpointFormatException c = fails(CheckpointFormatException.class, dir, tmp);
        assertTrue(c.getMessage().contains("outside the model's vocabulary"), c.getMessage());
    }

    @Test
    void awqAndOtherFormatsAreNamed(@TempDir Path tmp) throws IOException {
        Path dir = copyFixture("gptq-4bit-128g", tmp);
        Files.writeString(dir.resolve("quantize_config.json"),
                "{\"zero_point\": true, \"q_group_size\": 128, \"w_bit\": 4, \"version\": \"GEMM\"}");
        CheckpointFormatException e = fails(CheckpointFormatException.class, dir, tmp);
        assertTrue(e.getMessage().contains("'awq' is not supported"), e.getMessage());
        Files.writeString(dir.resolve("quantize_config.json"), "{\"quant_method\": \"exl2\", \"bits\": 4}");
        e = fails(CheckpointFormatException.class, dir, tmp);
        assertTrue(e.getMessage().contains("'exl2' is not supported"), e.getMessage());
        Files.writeString(dir.resolve("quantize_config.json"),
                "{\"quant_method\": \"gptq\", \"bits\": 4, \"group_size\": 128, \"checkpoint_format\": \"marlin\"}");
        e = fails(CheckpointFormatException.class, dir, tmp);
        assertTrue(e.getMessage().contains("'marlin' is not supported"), e.getMessage());
    }

    @Test
    void otherBitWidthsAreNamedWithTheTensor(@TempDir Path tmp) throws IOException {
        Path dir = copyFixture("gptq-4bit-128g", tmp);
        Files.writeString(dir.resolve("quantize_config.json"),
                "{\"quant_method\": \"gptq\", \"bits\": 8, \"group_size\": 128}");
        CheckpointFormatException e = fails(CheckpointFormatException.class, dir, tmp);
        assertTrue(e.getMessage().contains("GPTQ tensor 'model.layers.0.") && e.getMessage().contains("8-bit"),
                e.getMessage());
    }

    @Test
    void unknownArchitectureIsNamed(@TempDir Path tmp) throws IOException {
        SyntheticFolder f = new SyntheticFolder(1, 2, 1, 64);
        f.config.putArray("architectures").add("MistralForCausalLM");
        CheckpointFormatException e = fails(CheckpointFormatException.class, f.write(tmp.resolve("m")), tmp);
        assertTrue(e.getMessage().contains("MistralForCausalLM is not supported"), e.getMessage());
    }

    private static void unicode(ByteArrayOutputStream p, String s) {
        byte[] b = s.getBytes();
        p.write('X');
        p.write(b.length);
        p.write(0);
        p.write(0);
        p.write(0);
        p.writeBytes(b);
    }

    private static void shortUnicode(ByteArrayOutputStream p, String s) {
        byte[] b = s.getBytes();
        p.write(0x8c);
        p.write(b.length);
        p.writeBytes(b);
    }
}
