package dev.lopper.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code lopper chat} without a terminal: one message in (stdin or --prompt), only the answer out. */
class ChatCommandTest {

    /** The demo model's greedy 30-token continuation of "Once upon a time" (its vocab has no chat template). */
    private static final String CONTINUATION =
            ", there was a little girl named Lily. She loved to play outside in the park. One day,";

    @Test
    void pipedStdinIsOneMessageAndOnlyTheAnswerIsPrinted() throws Exception {
        Cli.Run r = Cli.runWithInput("Once upon a time\n", "chat", "--temp", "0", "-n", "30");
        assertEquals(0, r.exit(), r.err());
        assertEquals(CONTINUATION, r.out());
        assertEquals(List.of(), r.errLines(), "nothing on stderr");
    }

    @Test
    void sameAsGenerateForTheCompletionTemplate() throws Exception {
        Cli.Run g = Cli.run("generate", "-p", "Once upon a time", "--temp", "0", "-n", "30");
        assertEquals(CONTINUATION, g.out());
    }

    @Test
    void promptOptionAnswersOneTurn() throws Exception {
        Cli.Run r = Cli.run("chat", "--prompt", "Once upon a time", "--temp", "0", "-n", "30");
        assertEquals(0, r.exit(), r.err());
        assertEquals(CONTINUATION, r.out());
        assertEquals(List.of(), r.errLines());
    }

    @Test
    void chatTemplateAnswerHasNoMarkupNorLeadingSpace() throws Exception {
        Cli.Run r = Cli.run("chat", "--template", "vicuna", "--system", "Tell stories.", "--prompt", "Hi", "--temp",
                "0", "-n", "40");
        assertEquals(0, r.exit(), r.err());
        assertFalse(r.out().isEmpty());
        assertEquals(r.out().stripLeading(), r.out());
        assertFalse(r.out().contains("USER:"), r.out());
        assertFalse(r.out().contains("ASSISTANT:"), r.out());
    }

    @Test
    void emptyStdinIsAOneLineError() throws Exception {
        Cli.Run r = Cli.runWithInput("\n", "chat");
        assertEquals(1, r.exit());
        assertEquals(List.of("lopper: no message on stdin (pipe one in, or pass --prompt TEXT)"), r.errLines());
        assertEquals("", r.out());
    }

    @Test
    void messageLongerThanTheWindowIsAOneLineError() throws Exception {
        Cli.Run r = Cli.run("chat", "--ctx-size", "16", "--prompt",
                "The little dog ran to the park and played with a red ball all day long.");
        assertEquals(1, r.exit());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().contains("context full") && r.err().contains("--ctx-size"), r.err());
    }

    @Test
    void ggufTemplateThatFailsSuggestsTemplateOption(@TempDir Path dir) throws Exception {
        Path model = TemplateCommandTest.modelWithBrokenTemplate(dir);
        Cli.Run r = Cli.run("chat", "-m", model.toString(), "--prompt", "Hi");
        assertEquals(1, r.exit());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().contains("tokenizer.chat_template") && r.err().contains("--template"), r.err());

        Cli.Run fixed = Cli.run("chat", "-m", model.toString(), "--template", "completion", "--prompt",
                "Once upon a time", "--temp", "0", "-n", "30");
        assertEquals(0, fixed.exit(), fixed.err());
        assertEquals(CONTINUATION, fixed.out());
    }

    @Test
    void badMaxTokens() throws Exception {
        Cli.Run r = Cli.run("chat", "-n", "-2", "--prompt", "x");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("-n must be -1 (no limit) or more, got -2"), r.err());
    }
}
