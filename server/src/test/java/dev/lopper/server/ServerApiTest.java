package dev.lopper.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The endpoints' shapes, the refused requests (400/401/403/413) and that the server keeps serving after them. */
class ServerApiTest {
    private static final String KEY = "test-key-123";
    private static final String AUTH = "Bearer " + KEY;
    private static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = new TestServer(TestServer.demo(), 512, ServerOptions.defaults().withParallel(2).withApiKey(KEY));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static String chat(String content, String extra) {
        return "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]" + extra + "}";
    }

    private static void assertError(HttpResponse<String> r, int status, String param) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode err = TestServer.json(r.body()).path("error");
        assertTrue(err.path("message").isTextual() && !err.path("message").asText().isBlank(), r.body());
        assertTrue(err.path("type").isTextual(), r.body());
        if (param != null) {
            assertEquals(param, err.path("param").asText(), r.body());
        }
    }

    @Test
    void healthNeedsNoKeyAndHasLlamaServersShape() throws Exception {
        HttpResponse<String> r = s.get("/health");
        assertEquals(200, r.statusCode());
        JsonNode h = TestServer.json(r.body());
        assertEquals("ok", h.path("status").asText());
        assertEquals(2, h.path("slots_idle").asInt() + h.path("slots_processing").asInt());
    }

    @Test
    void apiNeedsTheBearerKey() throws Exception {
        assertError(s.get("/v1/models"), 401, null);
        assertError(s.get("/v1/models", "Authorization", "Bearer wrong"), 401, null);
        assertError(s.post("/v1/chat/completions", chat("Hi", ",\"max_tokens\":2")), 401, null);
        HttpResponse<String> ok = s.get("/v1/models", "Authorization", AUTH);
        assertEquals(200, ok.statusCode());
        JsonNode m = TestServer.json(ok.body());
        assertEquals("list", m.path("object").asText());
        assertEquals(s.model.name(), m.path("data").get(0).path("id").asText());
    }

    @Test
    void chatCompletionAnswersWithTheLoadedModelsName() throws Exception {
        HttpResponse<String> r = s.post("/v1/chat/completions",
                chat("Tell me a story", ",\"max_tokens\":12,\"temperature\":0,\"unknown_field\":{\"x\":1}"),
                "Authorization", AUTH);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode c = TestServer.json(r.body());
        assertEquals("chat.completion", c.path("object").asText());
        assertEquals(s.model.name(), c.path("model").asText());
        JsonNode choice = c.path("choices").get(0);
        assertEquals("assistant", choice.path("message").path("role").asText());
        assertFalse(choice.path("message").path("content").asText().isBlank(), r.body());
        assertEquals("length", choice.path("finish_reason").asText());
        JsonNode u = c.path("usage");
        assertEquals(12, u.path("completion_tokens").asInt());
        assertEquals(u.path("prompt_tokens").asInt() + 12, u.path("total_tokens").asInt());
        assertTrue(u.path("prompt_tokens").asInt() > 3);
    }

    @Test
    void streamEndsWithDoneAndUsageAndMatchesTheWholeAnswer() throws Exception {
        String opts = ",\"max_tokens\":16,\"temperature\":0,\"seed\":3";
        String whole = TestServer.json(s.post("/v1/chat/completions", chat("Once upon a time", opts),
                "Authorization", AUTH).body()).path("choices").get(0).path("message").path("content").asText();
        HttpResponse<String> r = s.post("/v1/chat/completions",
                chat("Once upon a time", opts + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}"),
                "Authorization", AUTH);
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<String> events = TestServer.events(r.body());
        assertEquals("[DONE]", events.getLast());
        JsonNode usage = TestServer.json(events.get(events.size() - 2));
        assertEquals(0, usage.path("choices").size());
        assertEquals(16, usage.path("usage").path("completion_tokens").asInt());
        JsonNode last = TestServer.json(events.get(events.size() - 3));
        assertEquals("length", last.path("choices").get(0).path("finish_reason").asText());
        assertEquals("chat.completion.chunk", last.path("object").asText());
        assertEquals(whole, TestServer.streamedText(r.body()));
    }

    @Test
    void stopStringEndsTheAnswerBeforeIt() throws Exception {
        String opts = ",\"max_tokens\":40,\"temperature\":0";
        String whole = TestServer.json(s.post("/v1/completions", "{\"prompt\":\"Once upon a time\"" + opts + "}",
                "Authorization", AUTH).body()).path("choices").get(0).path("text").asText();
        String[] words = whole.strip().split("\\s+");
        String stop = words[words.length / 2];
        int cut = whole.indexOf(stop);
        for (String body : List.of("{\"prompt\":\"Once upon a time\"" + opts + ",\"stop\":\"" + stop + "\"}",
                "{\"prompt\":\"Once upon a time\"" + opts + ",\"stop\":[\"zzzq\",\"" + stop + "\"]}")) {
            JsonNode c = TestServer.json(s.post("/v1/completions", body, "Authorization", AUTH).body());
            assertEquals("text_completion", c.path("object").asText());
            assertEquals(whole.substring(0, cut), c.path("choices").get(0).path("text").asText());
            assertEquals("stop", c.path("choices").get(0).path("finish_reason").asText());
        }
    }

    @Test
    void maxTokensIsCappedByTheContext() throws Exception {
        JsonNode c = TestServer.json(s.post("/v1/completions",
                "{\"prompt\":\"Once\",\"max_tokens\":100000,\"temperature\":0,\"frequency_penalty\":0.5,"
                        + "\"presence_penalty\":0.5}", "Authorization", AUTH).body());
        JsonNode u = c.path("usage");
        assertTrue(u.path("total_tokens").asInt() <= s.server.slotContext(), c.toString());
    }

    @Test
    void badRequestsGet400AndTheServerKeepsServing() throws Exception {
        String url = "/v1/chat/completions";
        assertError(s.post(url, "{\"messages\": [", "Authorization", AUTH), 400, null);
        assertError(s.post(url, "[1,2]", "Authorization", AUTH), 400, null);
        assertError(s.post(url, chat("Hi", ",\"temperature\":\"hot\""), "Authorization", AUTH), 400, "temperature");
        assertError(s.post(url, chat("Hi", ",\"max_tokens\":2.5"), "Authorization", AUTH), 400, "max_tokens");
        assertError(s.post(url, chat("Hi", ",\"stream\":\"yes\""), "Authorization", AUTH), 400, "stream");
        assertError(s.post(url, "{\"messages\":\"Hi\"}", "Authorization", AUTH), 400, "messages");
        assertError(s.post(url, "{\"messages\":[{\"role\":\"wizard\",\"content\":\"Hi\"}]}", "Authorization", AUTH),
                400, "messages[0].role");
        assertError(s.post(url, chat("Hi", ",\"n\":2"), "Authorization", AUTH), 400, "n");
        assertError(s.post(url, chat("Hi", ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]"),
                "Authorization", AUTH), 400, "tools");
        assertError(s.post(url, chat("Hi", ",\"logprobs\":true"), "Authorization", AUTH), 400, "logprobs");
        assertError(s.post("/v1/completions", "{\"prompt\":7}", "Authorization", AUTH), 400, "prompt");
        String longText = "once upon a time ".repeat(400);
        HttpResponse<String> tooLong = s.post(url, chat(longText, ""), "Authorization", AUTH);
        assertError(tooLong, 400, "messages");
        assertEquals("context_length_exceeded", TestServer.json(tooLong.body()).path("error").path("code").asText());
        assertEquals(200, s.post(url, chat("Hi", ",\"max_tokens\":3"), "Authorization", AUTH).statusCode());
    }

    @Test
    void bodiesOverOneMibGet413() throws Exception {
        String big = chat("x".repeat(Api.MAX_BODY + 10), "");
        assertError(s.post("/v1/chat/completions", big, "Authorization", AUTH), 413, null);
        assertEquals(200, s.get("/health").statusCode());
    }

    @Test
    void corsAllowsLocalhostOriginsOnly() throws Exception {
        HttpResponse<String> local = s.get("/v1/models", "Authorization", AUTH, "Origin", "http://localhost:3000");
        assertEquals(200, local.statusCode());
        assertEquals("http://localhost:3000", local.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
        HttpResponse<String> evil = s.get("/v1/models", "Authorization", AUTH, "Origin", "https://evil.example");
        assertError(evil, 403, null);
        assertTrue(evil.headers().firstValue("Access-Control-Allow-Origin").isEmpty());
    }

    @Test
    void unknownPathsAre404AndNothingIsReadFromDisk() throws Exception {
        assertError(s.get("/v1/../../etc/passwd", "Authorization", AUTH), 404, null);
        assertError(s.get("/models/stories260K.gguf", "Authorization", AUTH), 404, null);
        HttpResponse<String> page = s.get("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<title>Lopper chat</title>"));
    }
}
