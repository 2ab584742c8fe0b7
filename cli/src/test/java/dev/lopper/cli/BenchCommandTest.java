package dev.lopper.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lopper.convert.quantize.FileType;
import dev.lopper.convert.synth.ModelSynthesizer;
import dev.lopper.convert.synth.SynthPreset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchCommandTest {
    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void synthesize() throws Exception {
        model = dir.resolve("tiny-q4_0.gguf");
        ModelSynthesizer.write(model, SynthPreset.TINY.withLayers(1), FileType.Q4_0, 1);
    }

    @Test
    void jsonHasLlamaBenchFields() throws Exception {
        Cli.Run r = Cli.run("bench", "-m", model.toString(), "-p", "8", "-n", "4", "-r", "2", "-t", "1",
                "-o", "json");
        assertEquals(0, r.exit(), r.err());
        JsonNode rows = new ObjectMapper().readTree(r.out());
        assertTrue(rows.isArray());
        assertEquals(2, rows.size());
        for (String field : List.of("build_commit", "cpu_info", "backends", "model_filename", "model_type",
                "model_size", "model_n_params", "n_threads", "n_prompt", "n_gen", "test_time", "avg_ns",
                "stddev_ns", "avg_ts", "stddev_ts", "samples_ns", "samples_ts")) {
            assertTrue(rows.get(0).has(field), field + " in " + rows.get(0));
        }
        JsonNode pp = rows.get(0);
        assertEquals(8, pp.get("n_prompt").asInt());
        assertEquals(0, pp.get("n_gen").asInt());
        assertEquals(1, pp.get("n_threads").asInt());
        assertEquals(model.toString(), pp.get("model_filename").asText());
        assertTrue(pp.get("model_type").asText().endsWith("Q4_0"), pp.toString());
        assertEquals(2, pp.get("samples_ns").size());
        JsonNode tg = rows.get(1);
        assertEquals(0, tg.get("n_prompt").asInt());
        assertEquals(4, tg.get("n_gen").asInt());
        for (JsonNode row : rows) {
            assertTrue(row.get("avg_ts").asDouble() > 0, row.toString());
            assertTrue(row.get("avg_ns").asLong() > 0, row.toString());
        }
    }

    /** Q4_0 matrices are repacked at load unless --no-repack, and the JSON says how many were. */
    @Test
    void reportsRepackedMatricesAndNoRepackReadsInPlace() throws Exception {
        Cli.Run on = Cli.run("bench", "-m", model.toString(), "-p", "4", "-n", "2", "-r", "1", "-t", "1", "-o", "json");
        assertEquals(0, on.exit(), on.err());
        int repacked = new ObjectMapper().readTree(on.out()).get(0).get("repacked_matrices").asInt();
        assertTrue(repacked >= 7, "one block's seven Q4_0 matrices repacked, got " + repacked);
        Cli.Run off = Cli.run("bench", "-m", model.toString(), "-p", "4", "-n", "2", "-r", "1", "-t", "1", "-o", "json",
                "--no-repack");
        assertEquals(0, off.exit(), off.err());
        JsonNode rows = new ObjectMapper().readTree(off.out());
        assertEquals(0, rows.get(0).get("repacked_matrices").asInt(), off.out());
        assertTrue(rows.get(1).get("avg_ts").asDouble() > 0, off.out());
    }

    @Test
    void markdownTableRowPerTest() throws Exception {
        Cli.Run r = Cli.run("bench", "-m", model.toString(), "-p", "4,0", "-n", "2", "-r", "1", "-t", "1");
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(4, lines.size(), r.out());
        assertTrue(lines.get(0).startsWith("| model") && lines.get(0).contains("t/s"), lines.get(0));
        assertTrue(lines.get(1).startsWith("| ---"), lines.get(1));
        assertTrue(lines.get(2).contains("| pp4 ") && lines.get(2).contains("Java Vector API"), lines.get(2));
        assertTrue(lines.get(3).contains("| tg2 ") && lines.get(3).contains("±"), lines.get(3));
    }

    @Test
    void plotsASweepAsPngOrSvg() throws Exception {
        Path png = dir.resolve("sweep.png");
        Cli.Run r = Cli.run("bench", "-m", model.toString(), "-p", "4,8", "-n", "2", "-r", "1", "-t", "1,2",
                "--plot", png.toString());
        assertEquals(0, r.exit(), r.err());
        byte[] head = java.util.Arrays.copyOf(java.nio.file.Files.readAllBytes(png), 8);
        assertEquals("\u0089PNG", new String(head, 0, 4, java.nio.charset.StandardCharsets.ISO_8859_1));

        Path svg = dir.resolve("sweep.svg");
        r = Cli.run("bench", "-m", model.toString(), "-p", "4,8", "-n", "0", "-r", "1", "-t", "1,2",
                "--plot", svg.toString());
        assertEquals(0, r.exit(), r.err());
        String doc = java.nio.file.Files.readString(svg);
        assertTrue(doc.contains("<svg") && doc.contains("pp t=1") && doc.contains("pp t=2"), doc.length() + " chars");
        try (var files = java.nio.file.Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "temporary file left");
        }

        Cli.Run bad = Cli.run("bench", "-m", model.toString(), "-p", "4", "-n", "0", "--plot", "x.pdf");
        assertEquals(2, bad.exit(), bad.err());
        assertTrue(bad.err().contains("--plot"), bad.err());
    }

    @Test
    void badArgumentsAreOneLine() throws Exception {
        Cli.Run synth = Cli.run("bench", "-m", "synth:llama-7b:q4_0");
        assertEquals(1, synth.exit());
        assertEquals(1, synth.errLines().size(), synth.err());
        assertTrue(synth.err().contains("sheared-llama-1.3b"), synth.err());

        Cli.Run nothing = Cli.run("bench", "-m", model.toString(), "-p", "0", "-n", "0");
        assertEquals(2, nothing.exit());
        assertTrue(nothing.err().contains("nothing to run"), nothing.err());

        Cli.Run format = Cli.run("bench", "-m", model.toString(), "-o", "xml");
        assertEquals(2, format.exit());
        assertTrue(format.err().contains("md") && format.err().contains("json"), format.err());
    }
}
