package dev.lopper.cli;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code lopper serve} as a process: states slots and memory, serves, and stops on SIGTERM. */
class ServeCommandTest {
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)/");

    @Test
    void servesAndStopsOnSigterm() throws Exception {
        Process p = new ProcessBuilder(Cli.javaCommand("serve", "--port", "0", "-np", "2", "-c", "256", "-t", "1"))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        try {
            BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            int port = -1;
            String line;
            while (port < 0 && (line = err.readLine()) != null) {
                seen.append(line).append('\n');
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                }
            }
            assertTrue(port > 0, "listening line: " + seen);
            assertTrue(seen.toString().contains("2 slots of 128 tokens (--ctx-size 256)"), seen.toString());
            assertTrue(seen.toString().contains("KV cache"), seen.toString());
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/v1/completions")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"Once\",\"max_tokens\":5}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            p.toHandle().destroy(); // SIGTERM, leaving our end of its stderr open
            String rest = err.lines().collect(java.util.stream.Collectors.joining("\n"));
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "stops after SIGTERM");
            assertTrue(rest.contains("stopping: running requests get 5 s to finish"), rest);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void badOptionsAreOneLineErrors() throws Exception {
        Cli.Run r = Cli.run("serve", "--parallel", "0", "--port", "0");
        assertTrue(r.exit() != 0);
        assertTrue(r.err().contains("--parallel must be at least 1"), r.err());
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("lopper:")).count(), r.err());
        assertTrue(r.err().lines().noneMatch(l -> l.startsWith("\tat ")), "no stack trace: " + r.err());
    }
}
