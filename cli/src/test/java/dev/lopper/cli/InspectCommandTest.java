package dev.lopper.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InspectCommandTest {

    @Test
    void textShowsMetadataTensorsAndSummary() throws Exception {
        Cli.Run r = Cli.run("inspect", Cli.projectRoot().resolve("models/stories260K.gguf").toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("general.architecture"), r.out());
        assertTrue(r.out().contains("(512 in all)"), "long arrays are abbreviated");
        assertTrue(r.out().contains("blk.4.ffn_down.weight"), "tensor table");
        assertTrue(r.out().contains("blocks: 5 of 5 present [0-4]"), r.out());
        assertTrue(r.out().contains("missing blocks: none"), r.out());
    }

    @Test
    void jsonReportsMissingBlocksOfAPrunedFile() throws Exception {
        Cli.Run r = Cli.run("inspect", "--json",
                Cli.projectRoot().resolve("testdata/conformance/gap-q8_0.gguf").toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        JsonNode summary = root.get("summary");
        assertEquals(6, summary.get("block_count").asInt());
        assertEquals("[0,1,3,5]", summary.get("blocks_present").toString());
        assertEquals("[2,4]", summary.get("blocks_missing").toString());
        assertTrue(summary.get("types").has("Q8_0"), summary.toString());
        long params = 0;
        for (JsonNode t : root.get("tensors")) {
            long n = 1;
            for (JsonNode d : t.get("shape")) {
                n *= d.asLong();
            }
            params += n;
        }
        assertEquals(params, summary.get("parameters").asLong());
    }
}
