package dev.lopper.server;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The body of a non-streaming answer, begun early so that a client that leaves is noticed.
 *
 * <p>The JDK's {@code HttpServer} tells a handler nothing when its client disconnects; only a write fails. So once
 * a request is valid and holds a slot or a place in line ({@link #start}), the status 200 and the headers go out
 * with a chunked body, and every {@link #gone()} poll (while queued, between prompt batches, after each token)
 * writes spaces: whitespace before a JSON value is insignificant, so the body stays valid JSON. The first write
 * after the peer closed still succeeds (it only provokes the peer's reset); the next one fails. So a poll writes
 * twice: over loopback the reset is back before the second write and the client that left is noticed at the first
 * poll after it closed; over a network, one round trip later, so at the next poll (docs/server.md).
 *
 * <p>After {@link #start} the status cannot change: a failure then (the server stopping mid-answer, an internal
 * error) is sent as an OpenAI error object in place of the completion, under status 200.
 */
final class JsonReply {
    private static final byte[] PROBE = {' '};

    private final HttpExchange ex;
    private OutputStream out;
    private boolean gone;

    JsonReply(HttpExchange ex) {
        this.ex = ex;
    }

    /** Sends the status 200 and the headers; the body is chunked. A client already gone is marked so. */
    void start() {
        try {
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, 0);
            out = ex.getResponseBody();
            write(PROBE);
        } catch (IOException e) {
            gone = true;
        }
    }

    /** Whether {@link #start} sent the headers (so the status is fixed at 200). */
    boolean started() {
        return out != null;
    }

    /** Probes the client with two spaces, written one by one (once started); true once a write failed. */
    boolean gone() {
        if (out != null && !gone) {
            write(PROBE);
            write(PROBE);
        }
        return gone;
    }

    /** Writes the JSON value that ends the body; nothing when the client is gone. */
    void finish(byte[] json) {
        if (gone) {
            return;
        }
        try {
            out.write(json);
            out.close();
        } catch (IOException e) {
            gone = true;
        }
    }

    private void write(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            gone = true;
        }
    }
}
