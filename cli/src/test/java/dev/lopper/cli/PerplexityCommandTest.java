package dev.lopper.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PerplexityCommandTest {
    static final String TEXT = Cli.projectRoot().resolve("testdata/text/little-stories.txt").toString();

    @Test
    void printsLlamaCppsFinalLineAndNothingElse() throws Exception {
        Cli.Run r = Cli.run("perplexity", "-f", TEXT, "-c", "128", "--chunks", "2");
        assertEquals(0, r.exit(), r.err());
        Matcher m = Pattern.compile("Final estimate: PPL = (\\d+\\.\\d{4}) \\+/- \\d+\\.\\d{5}\n").matcher(r.out());
        assertTrue(m.matches(), r.out());
        // llama-perplexity -c 128 printed "[2]3.8079" as its running estimate after two chunks
        assertEquals(3.8079, Double.parseDouble(m.group(1)), 3.8079 * 0.01);
        assertEquals(List.of(), r.errLines(), "no progress bar when stderr is not a terminal");
    }

    @Test
    void klDivergenceAgainstSavedLogProbabilities(@TempDir Path dir) throws Exception {
        Path base = dir.resolve("base.lplp");
        Cli.Run save = Cli.run("perplexity", "-f", TEXT, "-c", "64", "--chunks", "3", "--kl-divergence-base",
                base.toString());
        assertEquals(0, save.exit(), save.err());
        // 24 header bytes, 3 chunks of 64 token ids, 3 x 31 rows of 512 half floats
        assertEquals(24 + 4 * 3 * 64 + 2L * 512 * 3 * 31, Files.size(base));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(base), files.toList(), "no temporary file left");
        }

        Cli.Run same = Cli.run("perplexity", "--kl-divergence-base", base.toString(), "--kl-divergence");
        assertEquals(0, same.exit(), same.err());
        assertTrue(same.out().contains("Same top p: 100.000"), same.out());
        double klSame = meanKl(same.out());
        assertTrue(klSame < 1e-4, same.out());

        Cli.Run skipped = Cli.run("perplexity", "--kl-divergence-base", base.toString(), "--kl-divergence",
                "--skip-layers", "3");
        assertEquals(0, skipped.exit(), skipped.err());
        assertTrue(meanKl(skipped.out()) > 100 * Math.max(klSame, 1e-6), skipped.out());
        assertTrue(skipped.errLines().getFirst().contains("running 4 blocks [0-2, 4]"), skipped.err());
        assertNotEquals(-1, skipped.out().indexOf("Mean PPL(base)"));
    }

    private static double meanKl(String out) {
        Matcher m = Pattern.compile("Mean +KLD: +(\\S+)").matcher(out);
        assertTrue(m.find(), out);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void aBadBaseFileIsOneLineNamingIt(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.bin");
        Files.writeString(bad, "_logits_ this is llama.cpp's, not ours");
        Cli.Run r = Cli.run("perplexity", "--kl-divergence-base", bad.toString(), "--kl-divergence");
        assertEquals(1, r.exit());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().contains("bad.bin") && r.err().contains("magic"), r.err());
    }

    @Test
    void skipLayersNamingAMissingBlockFails() throws Exception {
        Cli.Run r = Cli.run("generate", "-n", "4", "--skip-layers", "2,7");
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("no block 7"), r.err());
        Cli.Run ok = Cli.run("generate", "-n", "4", "--skip-layers", "1-2");
        assertEquals(0, ok.exit(), ok.err());
        assertTrue(ok.err().contains("running 3 blocks [0, 3-4]"), ok.err());
    }

    @Test
    void tooShortATextIsAnError() throws Exception {
        Cli.Run r = Cli.run("perplexity", "-f", TEXT, "-c", "4096");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("at least 8192"), r.err());
    }
}
