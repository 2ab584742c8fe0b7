package dev.lopper.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lopper.engine.Lopper;
import dev.lopper.engine.Model;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A server on 127.0.0.1 and a free port for a test, with small HTTP helpers. */
final class TestServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    final Model model;
    final LopperServer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    TestServer(Path model, int ctx, ServerOptions options) throws IOException {
        this.model = Lopper.load(model, Lopper.Options.defaults().withThreads(1).withContextSize(ctx));
        this.server = LopperServer.start(this.model, options.withPort(0));
    }

    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("models/stories260K.gguf"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("models/stories260K.gguf not found");
        }
        return dir;
    }

    static Path demo() {
        return root().resolve("models/stories260K.gguf");
    }

    /** The Q8_0 mix of the demo model (llama-quantize Q8_0), copied from ../shared/models into testdata. */
    static Path q8() {
        return root().resolve("testdata/models/stories260K-q8_0-mix.gguf");
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60)).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(String s) throws IOException {
        return JSON.readTree(s);
    }

    /** The {@code data:} payloads of an event stream, in order. */
    static List<String> events(String body) {
        List<String> out = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            for (String line : block.split("\n")) {
                if (line.startsWith("data: ")) {
                    out.add(line.substring(6));
                }
            }
        }
        return out;
    }

    /** The text of a streamed chat completion, from its chunks. */
    static String streamedText(String body) throws IOException {
        StringBuilder text = new StringBuilder();
        for (String e : events(body)) {
            if (e.equals("[DONE]")) {
                continue;
            }
            JsonNode c = json(e).path("choices");
            if (!c.isEmpty()) {
                JsonNode d = c.get(0).path("delta").path("content");
                if (d.isTextual()) {
                    text.append(d.asText());
                }
                JsonNode t = c.get(0).path("text");
                if (t.isTextual()) {
                    text.append(t.asText());
                }
            }
        }
        return text.toString();
    }

    @Override
    public void close() {
        server.close();
        model.close();
    }
}
