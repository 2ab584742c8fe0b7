package dev.lopper.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The interactive {@code lopper chat}, driven through a pseudo-terminal by {@code pty_drive.py} (python3's pty
 * module): each step waits for the prompt or a text before typing, so nothing depends on timing.
 */
class ChatReplTest {

    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;?]*[A-Za-z]|\u001B[=>]");

    @TempDir
    Path state;

    @BeforeAll
    static void needsPython() throws Exception {
        boolean ok;
        try {
            Process p = new ProcessBuilder("python3", "-c", "import pty, termios").redirectErrorStream(true).start();
            ok = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            ok = false;
        }
        assumeTrue(ok, "python3 with the pty module is needed to drive a terminal");
    }

    /** A driver script: expect / send / sleep steps. */
    private static final class Steps {
        final List<String> json = new ArrayList<>();

        Steps expect(String text) {
            json.add("[\"expect\"," + quote(text) + "]");
            return this;
        }

        Steps send(String text) {
            json.add("[\"send\"," + quote(text) + "]");
            return this;
        }

        /** Waits for the prompt, then types a line and Enter. */
        Steps line(String text) {
            return expect(ChatRepl.PROMPT).send(text + "\r");
        }

        private static String quote(String s) {
            StringBuilder sb = new StringBuilder("\"");
            for (char c : s.toCharArray()) {
                if (c == '"' || c == '\\') {
                    sb.append('\\').append(c);
                } else if (c < 0x20 || c > 0x7e) {
                    sb.append(String.format("\\u%04x", (int) c));
                } else {
                    sb.append(c);
                }
            }
            return sb.append('"').toString();
        }
    }

    private record Session(int exit, String transcript) {
    }

    private Session drive(Steps steps, String... args) throws Exception {
        Path driver = Path.of(ChatReplTest.class.getResource("pty_drive.py").toURI());
        List<String> cmd = new ArrayList<>(List.of("python3", driver.toString(), "[" + String.join(",", steps.json) + "]"));
        cmd.addAll(Cli.javaCommand(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("XDG_STATE_HOME", state.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "driver finished");
        assertFalse(out.contains("DRIVER: did not see"), out);
        Matcher m = Pattern.compile("DRIVER-EXIT (-?\\d+)").matcher(out);
        assertTrue(m.find(), out);
        String text = ANSI.matcher(out).replaceAll("").replace("\r", "");
        return new Session(Integer.parseInt(m.group(1)), text);
    }

    @Test
    void twoTurnsStatsResetExit() throws Exception {
        Session s = drive(new Steps()
                        .line("Once upon a time")
                        .line("She went to the park.")
                        .line("/stats")
                        .line("/params")
                        .line("/reset")
                        .line("/exit"),
                "chat", "--temp", "0", "-n", "20");
        String t = s.transcript();
        assertEquals(0, s.exit(), t);
        assertTrue(t.contains("lopper chat"), "banner: " + t);
        assertTrue(t.contains("Once upon a time\n, there was a little girl named Lily."), "first answer: " + t);
        assertTrue(t.contains("[20 tokens: the -n limit]"), t);

        Matcher stats = Pattern.compile("prompt: +(\\d+) tokens processed, (\\d+) reused from the cache "
                + "\\((\\d+) in the prompt\\) in [0-9.]+ s, [0-9.]+ tokens/s").matcher(t);
        assertTrue(stats.find(), "/stats: " + t);
        int processed = Integer.parseInt(stats.group(1));
        int reused = Integer.parseInt(stats.group(2));
        int total = Integer.parseInt(stats.group(3));
        assertTrue(reused > 0 && processed < total, "the second turn reuses the cache: " + stats.group());
        assertTrue(Pattern.compile("answer: +20 tokens generated in [0-9.]+ s, [0-9.]+ tokens/s").matcher(t).find(), t);
        assertTrue(t.contains("template:   completion"), "/params: " + t);
        assertTrue(t.contains("sampling:   temp 0.0, top-k 40"), "/params: " + t);
        assertTrue(t.contains("conversation forgotten"), t);

        String history = Files.readString(state.resolve("lopper/history"));
        assertTrue(history.contains("Once upon a time") && history.contains("/stats"), history);
    }

    @Test
    void ctrlCStopsAnAnswerOrClearsTheLineAndBackslashContinues() throws Exception {
        Session s = drive(new Steps()
                        .line("Once upon a time")
                        .expect(", there was")
                        .send("\u0003")
                        .expect("^C")
                        .expect(ChatRepl.PROMPT).send("typed but not sent\u0003")
                        .line("/stats")
                        .line("first line \\")
                        .expect("… ").send("second line\r")
                        .expect(ChatRepl.PROMPT).send("\u0004"),
                "chat", "--temp", "0", "-n", "-1", "--ctx-size", "2048");
        String t = s.transcript();
        assertEquals(0, s.exit(), t);
        assertTrue(t.contains("(stopped by Ctrl-C)"), t);
        int stop = t.indexOf("^C");
        assertTrue(t.startsWith("\n> ", stop + 2), "nothing but the line break follows ^C: " + t);
        String history = Files.readString(state.resolve("lopper/history"));
        assertFalse(history.contains("typed but not sent"), history);
        assertTrue(history.contains("first line") && history.contains("second line"), history);
    }

    @Test
    void fullContextDropsOldTurnsAndTheChatGoesOn() throws Exception {
        String turn = "The little dog ran to the park and played with a ball.";
        Session s = drive(new Steps()
                        .line(turn)
                        .line(turn)
                        .line(turn)
                        .line(turn)
                        .line((turn + " ").repeat(6))
                        .line("Once upon a time")
                        .line("/stats")
                        .line("/exit"),
                "chat", "--temp", "0", "-n", "16", "--ctx-size", "64");
        String t = s.transcript();
        assertEquals(0, s.exit(), t);
        assertTrue(t.contains("context window of 64 tokens full: dropped the oldest"), t);
        assertTrue(t.contains("message not sent: context full"), t);
        int refused = t.indexOf("message not sent");
        assertFalse(t.substring(t.lastIndexOf("\n> ", refused), refused).contains("dropped"),
                "a refused message drops nothing: " + t);
        assertTrue(Pattern.compile("answer: +16 tokens generated").matcher(t).find(), "last turn answered: " + t);
    }
}
