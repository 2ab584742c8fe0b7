package dev.lopper.convert.hf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lopper.convert.io.CheckpointFormatException;
import dev.lopper.convert.io.FormatException;
import dev.lopper.convert.io.StoredTensor;
import dev.lopper.convert.safetensors.SafetensorsFile;
import dev.lopper.convert.torch.TorchCheckpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Finds a folder's weight files and reads where every tensor is, in this order of preference:
 * {@code model.safetensors.index.json} (sharded safetensors), {@code model.safetensors}, {@code *.safetensors}
 * when there is exactly one, {@code pytorch_model.bin.index.json} (sharded .bin), {@code pytorch_model.bin}.
 * With an index, every shard it names must exist and every tensor it maps must be in the shard it names.
 */
public final class CheckpointFiles {
    private CheckpointFiles() {
    }

    /** The tensors of the folder's checkpoint by name, in file order. */
    public static Map<String, StoredTensor> read(Path dir) throws IOException {
        Path stIndex = dir.resolve("model.safetensors.index.json");
        Path binIndex = dir.resolve("pytorch_model.bin.index.json");
        if (Files.isRegularFile(stIndex)) {
            return sharded(dir, stIndex, true);
        }
        if (Files.isRegularFile(dir.resolve("model.safetensors"))) {
            return collect(SafetensorsFile.read(dir.resolve("model.safetensors")), new LinkedHashMap<>());
        }
        List<Path> singles = list(dir, ".safetensors");
        if (singles.size() == 1) {
            return collect(SafetensorsFile.read(singles.get(0)), new LinkedHashMap<>());
        }
        if (Files.isRegularFile(binIndex)) {
            return sharded(dir, binIndex, false);
        }
        if (Files.isRegularFile(dir.resolve("pytorch_model.bin"))) {
            return collect(TorchCheckpoint.read(dir.resolve("pytorch_model.bin")), new LinkedHashMap<>());
        }
        if (!list(dir, ".gguf").isEmpty() && list(dir, ".bin").isEmpty()) {
            throw new CheckpointFormatException(dir.getFileName() + "", "holds GGUF files, not a Hugging Face "
                    + "checkpoint: run them directly");
        }
        throw new CheckpointFormatException(String.valueOf(dir.getFileName()), "no weights found (expected "
                + "model.safetensors, model.safetensors.index.json, pytorch_model.bin or pytorch_model.bin.index.json)");
    }

    private static Map<String, StoredTensor> sharded(Path dir, Path index, boolean safetensors) throws IOException {
        String iname = index.getFileName().toString();
        JsonNode root = JsonFiles.read(index);
        JsonNode map = root.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new CheckpointFormatException(iname, "no weight_map object");
        }
        Map<String, String> wanted = new LinkedHashMap<>();
        Set<String> shards = new LinkedHashSet<>();
        Iterator<Map.Entry<String, JsonNode>> it = map.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new CheckpointFormatException(iname, "weight_map entry " + FormatException.quote(e.getKey())
                        + " is not a file name");
            }
            String shard = e.getValue().asText();
            if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.equals("..")
                    || shard.equals(".")) {
                throw new CheckpointFormatException(iname, "weight_map entry " + FormatException.quote(e.getKey())
                        + " names " + FormatException.quote(shard) + ", not a file in the folder");
            }
            wanted.put(e.getKey(), shard);
            shards.add(shard);
        }
        Map<String, StoredTensor> all = new LinkedHashMap<>();
        Map<String, String> foundIn = new LinkedHashMap<>();
        for (String shard : shards) {
            Path p = dir.resolve(shard);
            if (!Files.isRegularFile(p)) {
                throw new CheckpointFormatException(iname, "shard " + FormatException.quote(shard)
                        + " is missing from the folder");
            }
            List<StoredTensor> ts = safetensors ? SafetensorsFile.read(p) : TorchCheckpoint.read(p);
            for (StoredTensor t : ts) {
                foundIn.put(t.name(), shard);
            }
            collect(ts, all);
        }
        for (Map.Entry<String, String> e : wanted.entrySet()) {
            String got = foundIn.get(e.getKey());
            if (got == null || !got.equals(e.getValue())) {
                throw new CheckpointFormatException(e.getValue(), "tensor " + FormatException.quote(e.getKey())
                        + " is listed in " + iname + " but " + (got == null ? "is in no shard" : "is in " + got));
            }
        }
        return all;
    }

    private static Map<String, StoredTensor> collect(List<StoredTensor> ts, Map<String, StoredTensor> into)
            throws CheckpointFormatException {
        for (StoredTensor t : ts) {
            if (into.putIfAbsent(t.name(), t) != null) {
                throw new CheckpointFormatException(t.file().getFileName().toString(), "tensor "
                        + FormatException.quote(t.name()) + " appears twice in the checkpoint");
            }
        }
        return into;
    }

    private static List<Path> list(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return new ArrayList<>(s.filter(p -> p.getFileName().toString().endsWith(suffix))
                    .filter(Files::isRegularFile).sorted().toList());
        }
    }
}
