package dev.lopper.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizeAndLogitsCommandTest {
    private static final Path MODEL = Cli.projectRoot().resolve("testdata/conformance/tiny-q4_k_m.gguf");
    private static final Path REF = Cli.projectRoot().resolve("testdata/conformance/tiny-q4_k_m.ref.json");

    @Test
    void tokenizeIdsMatchTheReferencePrompt() throws Exception {
        JsonNode ref = new ObjectMapper().readTree(REF.toFile());
        Cli.Run r = Cli.run("tokenize", "-m", MODEL.toString(), "-p", "Once upon a time, the software", "--ids");
        assertEquals(0, r.exit(), r.err());
        assertEquals(ref.get("tokens").toString().replace(",", ", "), r.out().strip());
    }

    @Test
    void noBosDropsTheFirstToken() throws Exception {
        Cli.Run with = Cli.run("tokenize", "-m", MODEL.toString(), "-p", "Once upon", "--ids");
        Cli.Run without = Cli.run("tokenize", "-m", MODEL.toString(), "-p", "Once upon", "--ids", "--no-bos");
        assertTrue(with.out().startsWith("[1, "), with.out());
        assertEquals(with.out().replace("[1, ", "["), without.out());
    }

    @Test
    void logitsJsonMatchesReference() throws Exception {
        JsonNode ref = new ObjectMapper().readTree(REF.toFile());
        StringBuilder ids = new StringBuilder();
        for (JsonNode t : ref.get("tokens")) {
            ids.append(ids.isEmpty() ? "" : ",").append(t.asInt());
        }
        Cli.Run r = Cli.run("logits", "-m", MODEL.toString(), "--tokens", ids.toString(), "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode ours = new ObjectMapper().readTree(r.out());
        assertEquals(ref.get("tokens"), ours.get("tokens"));
        JsonNode refRows = ref.get("logits");
        JsonNode rows = ours.get("logits");
        assertEquals(refRows.size(), rows.size());
        for (int pos = 0; pos < rows.size(); pos++) {
            double diff = 0;
            double norm = 0;
            assertEquals(refRows.get(pos).size(), rows.get(pos).size());
            for (int i = 0; i < rows.get(pos).size(); i++) {
                double d = rows.get(pos).get(i).asDouble() - refRows.get(pos).get(i).asDouble();
                diff += d * d;
                norm += Math.pow(refRows.get(pos).get(i).asDouble(), 2);
            }
            assertTrue(Math.sqrt(diff / norm) <= 1e-3, "row " + pos + " relative RMS " + Math.sqrt(diff / norm));
        }
    }
}
