package dev.lopper.convert.hf;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

import dev.lopper.convert.io.CheckpointFormatException;
import java.io.CharConversionException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Reads the folder's JSON files (Jackson, with its default limits on nesting and string sizes). */
final class JsonFiles {
    /** tokenizer.json of large vocabularies is ~10 MB; nothing here should be near this. */
    private static final long MAX_BYTES = 256L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonFiles() {
    }

    /** The file's JSON object, or empty if the file does not exist. */
    static Optional<JsonNode> readOptional(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        return Optional.of(read(file));
    }

    /** The file's JSON, which must be an object. */
    static JsonNode read(Path file) throws IOException {
        String name = file.getFileName().toString();
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new CheckpointFormatException(name, "file has " + size + " bytes, more than the " + MAX_BYTES
                    + " accepted for a JSON file");
        }
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (JacksonException e) {
            throw new CheckpointFormatException(name, "not valid JSON: " + e.getOriginalMessage(),
                    e.getLocation() == null ? -1 : e.getLocation().getByteOffset());
        } catch (CharConversionException e) { // Jackson took the first bytes for UTF-32 and met an invalid character
            throw new CheckpointFormatException(name, "not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointFormatException(name, "not a JSON object");
        }
        return root;
    }

    static JsonNode missing() {
        return MissingNode.getInstance();
    }
}
