package dev.lopper.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code -m FOLDER}: a Hugging Face folder runs directly, converted once into the cache. */
class HfFolderModelTest {
    /** GPTQ-for-LLaMa layout: pickled .bin shards, config.json's quant_* keys, zero biases, decapoda ids. */
    private static final Path WVU = Cli.projectRoot().resolve("testdata/gptq/gptq-wvu-bin-shards");

    @TempDir
    Path cache;

    @Test
    void gptqBinShardsRunDirectlyAndTheCacheIsReused() throws Exception {
        JsonNode ref = new ObjectMapper().readTree(WVU.resolve("reference.ref.json").toFile());
        StringBuilder ids = new StringBuilder();
        for (JsonNode t : ref.get("tokens")) {
            ids.append(ids.isEmpty() ? "" : ",").append(t.asInt());
        }
        Cli.Run first = Cli.run("logits", "-m", WVU.toString(), "--tokens", ids.toString(), "--json",
                "--cache-dir", cache.toString());
        assertEquals(0, first.exit(), first.err());
        assertTrue(first.err().contains("lopper: converting " + WVU + " into " + cache.resolve("hf")), first.err());
        assertWithinInt8Tolerance(ref, new ObjectMapper().readTree(first.out()));

        Cli.Run second = Cli.run("logits", "-m", WVU.toString(), "--tokens", ids.toString(), "--json",
                "--cache-dir", cache.toString());
        assertEquals(0, second.exit(), second.err());
        assertTrue(second.err().contains("lopper: using " + WVU + " converted in " + cache.resolve("hf")),
                second.err());
        assertFalse(second.err().contains("converting"), second.err());
        assertEquals(first.out(), second.out());

        Cli.Run list = Cli.run("cache", "list", "--cache-dir", cache.toString());
        assertEquals(0, list.exit(), list.err());
        assertTrue(list.out().contains(WVU.toString()) && list.out().contains("auto"), list.out());

        Cli.Run clear = Cli.run("cache", "clear", "--cache-dir", cache.toString());
        assertEquals(0, clear.exit(), clear.err());
        assertTrue(clear.out().startsWith("removed 1 converted folder ("), clear.out());
        Cli.Run empty = Cli.run("cache", "list", "--cache-dir", cache.toString());
        assertTrue(empty.out().startsWith("no converted folders in " + cache.resolve("hf")), empty.out());
    }

    @Test
    void aFolderWithoutConfigJsonIsOneLineNamingIt(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("notes.txt"), "not a model");
        for (String[] args : new String[][]{{"generate", "-m", dir.toString(), "-n", "1"}, {"inspect", dir.toString()}}) {
            Cli.Run r = Cli.run(args);
            assertEquals(1, r.exit(), r.err());
            assertEquals(1, r.errLines().size(), r.err());
            assertEquals("lopper: " + dir + " is a directory, not a GGUF file or a Hugging Face folder (it has no "
                    + "config.json)", r.errLines().getFirst());
        }
    }

    /** ../shared/README.md: int8 activations, relative RMS of every row ≤ 3e-2, the same argmax at ≥ 80%. */
    private static void assertWithinInt8Tolerance(JsonNode ref, JsonNode ours) {
        assertEquals(ref.get("tokens"), ours.get("tokens"));
        JsonNode refRows = ref.get("logits");
        JsonNode rows = ours.get("logits");
        assertEquals(refRows.size(), rows.size());
        int sameArgmax = 0;
        for (int pos = 0; pos < rows.size(); pos++) {
            JsonNode a = refRows.get(pos);
            JsonNode b = rows.get(pos);
            assertEquals(a.size(), b.size());
            double diff = 0;
            double norm = 0;
            int argA = 0;
            int argB = 0;
            for (int i = 0; i < a.size(); i++) {
                double d = b.get(i).asDouble() - a.get(i).asDouble();
                diff += d * d;
                norm += a.get(i).asDouble() * a.get(i).asDouble();
                argA = a.get(i).asDouble() > a.get(argA).asDouble() ? i : argA;
                argB = b.get(i).asDouble() > b.get(argB).asDouble() ? i : argB;
            }
            double rel = Math.sqrt(diff / norm);
            assertTrue(rel <= 3e-2, "row " + pos + ": relative RMS " + rel);
            sameArgmax += argA == argB ? 1 : 0;
        }
        assertTrue(sameArgmax >= 0.8 * rows.size(), sameArgmax + " of " + rows.size() + " argmax agree");
    }
}
