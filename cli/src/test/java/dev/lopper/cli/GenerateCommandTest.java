package dev.lopper.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenerateCommandTest {

    @Test
    void greedyDemoModelReproducesLlama2cByteForByte() throws Exception {
        String expected = Files.readString(Cli.projectRoot().resolve("models/stories260K.greedy200.txt"));
        Cli.Run r = Cli.run("generate", "-n", "200", "--temp", "0");
        assertEquals(0, r.exit(), r.err());
        assertEquals(expected, r.out());
        assertEquals(java.util.List.of(), r.errLines(), "nothing on stderr");
    }

    @Test
    void promptIsContinuedNotEchoed() throws Exception {
        Cli.Run r = Cli.run("generate", "-p", "Once upon a time", "-n", "12", "--temp", "0");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith(","), "continues after the prompt: " + r.out());
    }

    @Test
    void sameSeedSameText() throws Exception {
        Cli.Run a = Cli.run("generate", "-n", "40", "--seed", "7", "--temp", "1.0");
        Cli.Run b = Cli.run("generate", "-n", "40", "--seed", "7", "--temp", "1.0");
        assertEquals(0, a.exit(), a.err());
        assertEquals(a.out(), b.out());
    }
}
