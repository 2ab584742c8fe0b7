package dev.lopper.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The HTTP side: routes, the API key, CORS, body limits, and OpenAI's JSON shapes (chat completions, completions,
 * their server-sent-event chunks, models, errors) plus llama-server's {@code /health}. Nothing a request says is
 * used as a path: the only resource read is the bundled chat page.
 */
final class Api implements HttpHandler {
    /** Largest request body accepted; larger ones get 413. */
    static final int MAX_BODY = 1 << 20;

    private static final Logger LOG = Logger.getLogger(Api.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ModelService service;
    private final byte[] apiKey;
    private final List<String> corsOrigins;
    private final byte[] page;
    private final long created = System.currentTimeMillis() / 1000;

    Api(ModelService service, ServerOptions options) {
        this.service = service;
        this.apiKey = options.apiKey() == null ? null : ("Bearer " + options.apiKey()).getBytes(StandardCharsets.UTF_8);
        this.corsOrigins = options.corsOrigins();
        try (InputStream in = Api.class.getResourceAsStream("chat.html")) {
            if (in == null) {
                throw new IllegalStateException("the chat page (chat.html) is missing from the server module");
            }
            this.page = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the chat page: " + e.getMessage(), e);
        }
    }

    @Override
    public void handle(HttpExchange ex) {
        try (ex) {
            try {
                route(ex);
            } catch (ApiException e) {
                sendError(ex, e);
            } catch (IOException e) {
                LOG.log(Level.FINE, "client connection failed", e);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "request failed: " + e, e);
                sendError(ex, new ApiException(500, "server_error", "internal error: " + e.getMessage(), null, null));
            }
        }
    }

    private void route(HttpExchange ex) throws IOException {
        String origin = ex.getRequestHeaders().getFirst("Origin");
        if (origin != null) {
            if (!originAllowed(origin)) {
                throw new ApiException(403, "invalid_request_error", "origin " + origin + " is not allowed "
                        + "(only localhost unless the server was started with --cors)", null, null);
            }
            Headers h = ex.getResponseHeaders();
            h.set("Access-Control-Allow-Origin", origin);
            h.set("Vary", "Origin");
            h.set("Access-Control-Allow-Headers", "Authorization, Content-Type");
            h.set("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
        }
        String method = ex.getRequestMethod();
        if (method.equals("OPTIONS")) {
            ex.sendResponseHeaders(204, -1);
            return;
        }
        String path = ex.getRequestURI().getPath();
        switch (path) {
            case "/health" -> {
                expect(ex, "GET");
                health(ex);
                return;
            }
            case "/", "/index.html" -> {
                expect(ex, "GET");
                ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
                ex.getResponseHeaders().set("Content-Security-Policy",
                        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'");
                send(ex, 200, page);
                return;
            }
            default -> {
            }
        }
        authorize(ex);
        switch (path) {
            case "/v1/models", "/models" -> {
                expect(ex, "GET");
                models(ex);
            }
            case "/v1/chat/completions", "/chat/completions" -> {
                expect(ex, "POST");
                complete(ex, CompletionRequest.chat(body(ex)), true);
            }
            case "/v1/completions", "/completions" -> {
                expect(ex, "POST");
                complete(ex, CompletionRequest.completion(body(ex)), false);
            }
            default -> throw new ApiException(404, "invalid_request_error", "no such endpoint: " + method + " "
                    + path, null, "not_found");
        }
    }

    private boolean originAllowed(String origin) {
        if (corsOrigins.contains("*") || corsOrigins.contains(origin)) {
            return true;
        }
        try {
            URI u = URI.create(origin);
            String host = u.getHost();
            return ("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && host != null
                    && (host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]"));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private void authorize(HttpExchange ex) {
        if (apiKey == null) {
            return;
        }
        String given = ex.getRequestHeaders().getFirst("Authorization");
        byte[] bytes = given == null ? new byte[0] : given.getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(bytes, apiKey)) {
            throw new ApiException(401, "invalid_request_error", "missing or wrong API key: send the header "
                    + "'Authorization: Bearer KEY'", null, "invalid_api_key");
        }
    }

    private static void expect(HttpExchange ex, String method) {
        if (!ex.getRequestMethod().equals(method)) {
            throw new ApiException(405, "invalid_request_error", ex.getRequestURI().getPath() + " takes " + method
                    + ", not " + ex.getRequestMethod(), null, null);
        }
    }

    private static JsonNode body(HttpExchange ex) throws IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            long n;
            try {
                n = Long.parseLong(length.strip());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("bad Content-Length: " + length, null);
            }
            if (n > MAX_BODY) {
                ex.getRequestBody().skip(16L * MAX_BODY); // so the client reads the 413 rather than a reset
                throw tooLarge();
            }
        }
        byte[] bytes = ex.getRequestBody().readNBytes(MAX_BODY + 1);
        if (bytes.length > MAX_BODY) {
            throw tooLarge();
        }
        return CompletionRequest.json(bytes);
    }

    private static ApiException tooLarge() {
        return new ApiException(413, "invalid_request_error", "the request body is larger than 1 MiB", null,
                "request_too_large");
    }

    private void health(HttpExchange ex) throws IOException {
        SlotPool slots = service.slots();
        int busy = slots.busy();
        ObjectNode o = JSON.createObjectNode();
        o.put("status", "ok");
        o.put("slots_idle", slots.slots() - busy);
        o.put("slots_processing", busy);
        o.put("requests_waiting", slots.waiting());
        sendJson(ex, 200, o);
    }

    private void models(HttpExchange ex) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("object", "list");
        ObjectNode m = o.putArray("data").addObject();
        m.put("id", service.modelName());
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "lopper");
        ObjectNode meta = m.putObject("meta");
        meta.put("n_ctx_train", service.model().config().contextLength());
        meta.put("n_ctx_slot", service.slotContext());
        meta.put("n_vocab", service.model().config().vocabSize());
        sendJson(ex, 200, o);
    }

    private void complete(HttpExchange ex, CompletionRequest r, boolean chat) throws IOException {
        int[] prompt = service.prompt(r);
        String id = (chat ? "chatcmpl-" : "cmpl-") + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        long now = System.currentTimeMillis() / 1000;
        if (r.stream()) {
            stream(ex, r, chat, prompt, id, now);
            return;
        }
        StringBuilder text = new StringBuilder();
        JsonReply reply = new JsonReply(ex);
        ModelService.Outcome o;
        try {
            o = service.generate(r, prompt, text::append, reply::start, reply::gone);
        } catch (SlotPool.QueueFullException e) {
            throw queueFull();
        } catch (RuntimeException e) {
            if (!reply.started()) {
                throw e;
            }
            LOG.log(Level.WARNING, "request failed: " + e, e);
            reply.finish(errorBody(new ApiException(500, "server_error", "internal error: " + e.getMessage(), null,
                    null)));
            return;
        }
        if (o == null) {
            // The client left (nothing more to say), or the server is stopping: say so in place of the answer.
            reply.finish(errorBody(new ApiException(503, "server_error", "the server is stopping", null, null)));
            return;
        }
        ObjectNode res = head(id, chat ? "chat.completion" : "text_completion", now);
        ObjectNode choice = res.putArray("choices").addObject();
        choice.put("index", 0);
        if (chat) {
            ObjectNode msg = choice.putObject("message");
            msg.put("role", "assistant");
            msg.put("content", text.toString());
        } else {
            choice.put("text", text.toString());
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", o.finishReason());
        usage(res, o);
        reply.finish(JSON.writeValueAsBytes(res));
    }

    private void stream(HttpExchange ex, CompletionRequest r, boolean chat, int[] prompt, String id, long now)
            throws IOException {
        Sse sse = new Sse(ex);
        String object = chat ? "chat.completion.chunk" : "text_completion";
        boolean[] first = {true};
        Consumer<String> out = text -> {
            ObjectNode chunk = head(id, object, now);
            ObjectNode choice = chunk.putArray("choices").addObject();
            choice.put("index", 0);
            if (chat) {
                ObjectNode delta = choice.putObject("delta");
                if (first[0]) {
                    delta.put("role", "assistant");
                }
                delta.put("content", text);
            } else {
                choice.put("text", text);
            }
            first[0] = false;
            choice.putNull("logprobs");
            choice.putNull("finish_reason");
            if (r.includeUsage()) {
                chunk.putNull("usage");
            }
            sse.data(chunk.toString());
        };
        ModelService.Outcome o;
        try {
            o = service.generate(r, prompt, out, () -> { }, sse::gone);
        } catch (SlotPool.QueueFullException e) {
            throw queueFull();
        }
        if (o == null || sse.gone()) {
            return; // the client left (or the server is stopping): nothing more to say
        }
        ObjectNode last = head(id, object, now);
        ObjectNode choice = last.putArray("choices").addObject();
        choice.put("index", 0);
        if (chat) {
            ObjectNode delta = choice.putObject("delta");
            if (first[0]) {
                delta.put("role", "assistant");
                delta.put("content", "");
            }
        } else {
            choice.put("text", "");
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", o.finishReason());
        if (r.includeUsage()) {
            last.putNull("usage");
        }
        sse.data(last.toString());
        if (r.includeUsage()) {
            ObjectNode u = head(id, object, now);
            u.putArray("choices");
            usage(u, o);
            sse.data(u.toString());
        }
        sse.data("[DONE]");
    }

    private ObjectNode head(String id, String object, long now) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        o.put("object", object);
        o.put("created", now);
        o.put("model", service.modelName());
        o.put("system_fingerprint", "lopper");
        return o;
    }

    private static void usage(ObjectNode res, ModelService.Outcome o) {
        ObjectNode u = res.putObject("usage");
        u.put("prompt_tokens", o.promptTokens());
        u.put("completion_tokens", o.completionTokens());
        u.put("total_tokens", o.promptTokens() + o.completionTokens());
        u.putObject("prompt_tokens_details").put("cached_tokens", o.reusedTokens());
    }

    private static ApiException queueFull() {
        return new ApiException(429, "rate_limit_exceeded", "all slots are busy and the queue is full; retry later",
                null, "queue_full");
    }

    private static void sendError(HttpExchange ex, ApiException e) {
        if (ex.getResponseCode() != -1) {
            return; // a stream already started: the client sees it end
        }
        if (e.status() == 429) {
            ex.getResponseHeaders().set("Retry-After", "1");
        }
        try {
            ex.getResponseHeaders().set("Content-Type", "application/json");
            send(ex, e.status(), errorBody(e));
        } catch (IOException io) {
            LOG.log(Level.FINE, "client gone before the error was sent", io);
        }
    }

    /** OpenAI's error object: {@code {"error": {"message", "type", "param", "code"}}}. */
    private static byte[] errorBody(ApiException e) {
        ObjectNode o = JSON.createObjectNode();
        ObjectNode err = o.putObject("error");
        err.put("message", e.getMessage());
        err.put("type", e.type());
        if (e.param() == null) {
            err.putNull("param");
        } else {
            err.put("param", e.param());
        }
        if (e.code() == null) {
            err.putNull("code");
        } else {
            err.put("code", e.code());
        }
        try {
            return JSON.writeValueAsBytes(o);
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    private static void sendJson(HttpExchange ex, int status, JsonNode body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        send(ex, status, JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange ex, int status, byte[] bytes) throws IOException {
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /**
     * A server-sent event stream, started on first use. A write that fails marks the client gone; {@link #gone()}
     * also writes a comment line when nothing was written for {@link SlotPool#POLL_MILLIS}, so a client that left
     * while its request waits (or while a long prompt runs) is noticed.
     */
    private static final class Sse {
        private static final long PROBE_NANOS = SlotPool.POLL_MILLIS * 1_000_000;
        private final HttpExchange ex;
        private OutputStream out;
        private boolean gone;
        private long lastWrite = System.nanoTime();

        Sse(HttpExchange ex) {
            this.ex = ex;
        }

        void data(String json) {
            write("data: " + json + "\n\n");
        }

        boolean gone() {
            if (!gone && System.nanoTime() - lastWrite >= PROBE_NANOS) {
                write(": waiting\n\n");
            }
            return gone;
        }

        private void write(String s) {
            if (gone) {
                return;
            }
            try {
                if (out == null) {
                    Headers h = ex.getResponseHeaders();
                    h.set("Content-Type", "text/event-stream; charset=utf-8");
                    h.set("Cache-Control", "no-cache");
                    h.set("X-Accel-Buffering", "no");
                    ex.sendResponseHeaders(200, 0);
                    out = ex.getResponseBody();
                }
                out.write(s.getBytes(StandardCharsets.UTF_8));
                out.flush();
                lastWrite = System.nanoTime();
            } catch (IOException e) {
                gone = true;
            }
        }
    }

}
