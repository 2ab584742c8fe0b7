package dev.lopper.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lopper.engine.generate.Session;
import dev.lopper.engine.generate.SessionBatcher;
import dev.lopper.engine.inference.Forward;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Slots decoding together, the queue's bound, and a disconnect freeing its slot. */
class ConcurrencyTest {
    private static final String[] PROMPTS = {"Once upon a time", "The cat", "Lily and Ben", "One day, a little bird"};

    private static String request(String prompt, int maxTokens) {
        return "{\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}],\"temperature\":0,"
                + "\"max_tokens\":" + maxTokens + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
    }

    @Test
    void fourStreamsTogetherGiveTheirTextsAloneOnTheDemoModel() throws Exception {
        fourStreams(TestServer.demo());
    }

    @Test
    void fourStreamsTogetherGiveTheirTextsAloneOnQ8() throws Exception {
        fourStreams(TestServer.q8());
    }

    /**
     * Four streams alone, then together. Together, the test fixes the steps' make-up so that nothing depends on
     * thread scheduling: no slot holds a cached prefix (which slot a request gets depends on arrival order), the
     * batcher's first step waits for all four prompts, and each step waits for every stream still generating (a
     * stream that is done says so, {@code Session.idle}). So all four prompts run in one step and then every step
     * decodes all the streams still running: the steps together are exactly those of the longest stream alone.
     */
    private static void fourStreams(Path model) throws Exception {
        try (TestServer s = new TestServer(model, 512, ServerOptions.defaults().withParallel(4))) {
            SessionBatcher batcher = s.server.service().batcher();
            List<String> alone = new ArrayList<>();
            long longestAlone = 0;
            long decodeRowsAlone = 0;
            int promptTokens = 0;
            for (String p : PROMPTS) {
                long steps0 = batcher.steps();
                String body = s.post("/v1/chat/completions", request(p, 24)).body();
                long steps = batcher.steps() - steps0; // one for the prompt, then one per token decoded
                longestAlone = Math.max(longestAlone, steps);
                decodeRowsAlone += steps - 1;
                alone.add(TestServer.streamedText(body));
                List<String> events = TestServer.events(body);
                promptTokens += TestServer.json(events.get(events.size() - 2)).path("usage").path("prompt_tokens")
                        .asInt();
            }
            assertTrue(promptTokens <= Forward.MAX_BATCH, "the four prompts fit one step: " + promptTokens);
            emptySlots(s.server.service().slots());
            batcher.gatherTimeout(Duration.ofSeconds(30));
            batcher.expect(PROMPTS.length);
            long steps0 = batcher.steps();
            long rows0 = batcher.rows();
            long t0 = System.nanoTime();
            List<Future<HttpResponse<String>>> together = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
                for (String p : PROMPTS) {
                    together.add(pool.submit(() -> s.post("/v1/chat/completions", request(p, 24))));
                }
                for (int i = 0; i < PROMPTS.length; i++) {
                    HttpResponse<String> r = together.get(i).get();
                    assertEquals(200, r.statusCode());
                    List<String> events = TestServer.events(r.body());
                    assertEquals("[DONE]", events.getLast(), "stream " + i + " completes");
                    assertEquals(alone.get(i), TestServer.streamedText(r.body()), "stream " + i + " as alone");
                }
            }
            long steps = batcher.steps() - steps0;
            long rows = batcher.rows() - rows0;
            System.out.printf("%s: four streams together: %d rows in %d steps, %d ms%n", model.getFileName(), rows,
                    steps, (System.nanoTime() - t0) / 1_000_000);
            assertEquals(longestAlone, steps, "one forward pass per step for all four streams (" + rows
                    + " rows in " + steps + " steps)");
            assertEquals(promptTokens + decodeRowsAlone, rows, "every prompt token and decoded token ran once");
            assertTrue(rows / (double) steps > 1.5, "mean batch " + rows / (double) steps);
        }
    }

    /** Forgets every slot's cache. */
    private static void emptySlots(SlotPool slots) throws Exception {
        List<Session> all = new ArrayList<>();
        for (int i = 0; i < slots.slots(); i++) {
            all.add(slots.acquire(new int[]{1}, () -> false));
        }
        for (Session session : all) {
            session.truncate(0);
            slots.release(session);
        }
    }

    @Test
    void pastTheQueueRequestsGet429WithRetryAfter() throws Exception {
        try (TestServer s = new TestServer(TestServer.demo(), 512, ServerOptions.defaults().withParallel(1)
                .withQueue(1))) {
            int n = 6;
            List<Future<HttpResponse<String>>> all = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
                for (int i = 0; i < n; i++) {
                    Callable<HttpResponse<String>> c = () -> s.post("/v1/completions",
                            "{\"prompt\":\"Once upon a time\",\"max_tokens\":400,\"temperature\":0}");
                    all.add(pool.submit(c));
                }
                int ok = 0;
                int refused = 0;
                for (Future<HttpResponse<String>> f : all) {
                    HttpResponse<String> r = f.get();
                    if (r.statusCode() == 429) {
                        refused++;
                        assertEquals("1", r.headers().firstValue("Retry-After").orElse(""));
                        assertEquals("queue_full", TestServer.json(r.body()).path("error").path("code").asText());
                    } else {
                        assertEquals(200, r.statusCode(), r.body());
                        ok++;
                    }
                }
                assertTrue(refused >= 1 && ok >= 1, ok + " served, " + refused + " refused");
            }
        }
    }

    @Test
    void aClientThatDisconnectsMidStreamFreesItsSlot() throws Exception {
        try (TestServer s = new TestServer(TestServer.demo(), 512, ServerOptions.defaults().withParallel(1))) {
            String body = "{\"prompt\":\"Once upon a time\",\"max_tokens\":400,\"temperature\":0,\"stream\":true}";
            JsonNode full = TestServer.json(s.post("/v1/completions", body.replace("\"stream\":true",
                    "\"stream\":false")).body());
            int fullTokens = full.path("usage").path("completion_tokens").asInt();
            long generated0 = s.server.generatedTokens();
            try (Socket socket = new Socket("127.0.0.1", s.server.port())) {
                OutputStream out = socket.getOutputStream();
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(bytes);
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.UTF_8));
                String line;
                while ((line = in.readLine()) != null && !line.startsWith("data: ")) {
                    // headers, then the first event
                }
                assertTrue(line != null, "a first event");
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (s.server.cancelled() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(1, s.server.cancelled(), "the generation was stopped");
            long generated = s.server.generatedTokens() - generated0;
            assertTrue(generated < fullTokens / 2, generated + " tokens generated after the disconnect; the whole "
                    + "answer is " + fullTokens);
            JsonNode health = TestServer.json(s.get("/health").body());
            assertEquals(0, health.path("slots_processing").asInt(), health.toString());
            assertEquals(200, s.post("/v1/completions", "{\"prompt\":\"Hi\",\"max_tokens\":2}").statusCode());
        }
    }

    /** Sends a request on a raw socket and reads the response up to its headers and first body chunk. */
    private static Socket rawRequest(TestServer s, String path, String body) throws Exception {
        Socket socket = new Socket("127.0.0.1", s.server.port());
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        String head = readUntil(socket.getInputStream(), "\r\n\r\n");
        assertTrue(head.startsWith("HTTP/1.1 200"), head);
        readChunk(socket.getInputStream());
        return socket;
    }

    private static String readUntil(InputStream in, String end) throws Exception {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        while (!seen.toString(StandardCharsets.US_ASCII).endsWith(end)) {
            int b = in.read();
            assertTrue(b >= 0, "connection ended after: " + seen);
            seen.write(b);
        }
        return seen.toString(StandardCharsets.US_ASCII);
    }

    /** One chunk of a chunked body, which must be whitespace (a probe). */
    private static void readChunk(InputStream in) throws Exception {
        int size = Integer.parseInt(readUntil(in, "\r\n").strip(), 16);
        String data = readUntil(in, "\r\n");
        assertEquals(size + 2, data.length());
        assertTrue(data.isBlank(), "a probe is whitespace: '" + data + "'");
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(2);
        }
    }

    @Test
    void aNonStreamingClientThatDisconnectsWhileGeneratingFreesItsSlot() throws Exception {
        try (TestServer s = new TestServer(TestServer.demo(), 512, ServerOptions.defaults().withParallel(1))) {
            String body = "{\"prompt\":\"Once upon a time\",\"max_tokens\":400,\"temperature\":0}";
            int fullTokens = TestServer.json(s.post("/v1/completions", body).body()).path("usage")
                    .path("completion_tokens").asInt();
            long generated0 = s.server.generatedTokens();
            SlotPool slots = s.server.service().slots();
            long closedAt;
            try (Socket socket = rawRequest(s, "/v1/completions", body)) {
                readChunk(socket.getInputStream()); // a poll after a token: generating
                assertEquals(1, slots.busy(), "the request holds the slot");
                closedAt = System.nanoTime();
            }
            await(() -> s.server.cancelled() == 1, "the generation was stopped");
            await(() -> slots.busy() == 0, "the slot is free");
            long freedMillis = (System.nanoTime() - closedAt) / 1_000_000;
            long generated = s.server.generatedTokens() - generated0;
            System.out.printf("non-streaming disconnect: %d of %d tokens generated, slot free %d ms after the "
                    + "close%n", generated, fullTokens, freedMillis);
            assertTrue(generated < fullTokens / 2, generated + " tokens generated; the whole answer is "
                    + fullTokens);
            HttpResponse<String> next = s.post("/v1/completions", "{\"prompt\":\"Hi\",\"max_tokens\":2}");
            assertEquals(200, next.statusCode());
            assertEquals("text_completion", TestServer.json(next.body()).path("object").asText(), next.body());
        }
    }

    @Test
    void aNonStreamingClientThatDisconnectsWhileQueuedLeavesTheQueue() throws Exception {
        try (TestServer s = new TestServer(TestServer.demo(), 512, ServerOptions.defaults().withParallel(1)
                .withQueue(1))) {
            SlotPool slots = s.server.service().slots();
            dev.lopper.engine.generate.Session held = slots.acquire(new int[]{1}, () -> false); // the slot is busy
            String body = "{\"prompt\":\"Once upon a time\",\"max_tokens\":8,\"temperature\":0}";
            long closedAt;
            try (Socket socket = rawRequest(s, "/v1/completions", body)) {
                assertEquals(1, slots.waiting(), "the request waits in the queue");
                assertEquals(429, s.post("/v1/completions", body).statusCode(), "its place is taken");
                closedAt = System.nanoTime();
            }
            await(() -> slots.waiting() == 0, "the request left the queue");
            long leftMillis = (System.nanoTime() - closedAt) / 1_000_000;
            System.out.printf("non-streaming disconnect while queued: queue place free %d ms after the close%n",
                    leftMillis);
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<HttpResponse<String>> next = pool.submit(() -> s.post("/v1/completions", body));
                await(() -> slots.waiting() == 1, "the next request takes the queue place");
                slots.release(held);
                assertEquals(200, next.get().statusCode(), "and then the slot");
            }
            assertEquals(0, s.server.cancelled(), "the request that left never generated");
            assertEquals(8, s.server.generatedTokens(), "only the last request generated");
        }
    }

    @Test
    void stoppingLetsTheRunningStreamFinish() throws Exception {
        TestServer s = new TestServer(TestServer.demo(), 512, ServerOptions.defaults().withParallel(1));
        try (Socket socket = new Socket("127.0.0.1", s.server.port())) {
            String body = "{\"prompt\":\"Once upon a time\",\"max_tokens\":300,\"temperature\":0,\"stream\":true}";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.startsWith("data: ")) {
                // headers, then the first event
            }
            Thread stopper = Thread.ofVirtual().start(() -> s.server.stop(java.time.Duration.ofSeconds(5)));
            String last = line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    last = line;
                }
            }
            stopper.join();
            assertEquals("data: [DONE]", last, "the running stream was drained to its end");
            assertEquals(0, s.server.cancelled());
        } finally {
            s.close();
        }
        assertThrows(java.io.IOException.class, () -> new Socket("127.0.0.1", s.server.port()).close(),
                "no longer listening");
    }
}
