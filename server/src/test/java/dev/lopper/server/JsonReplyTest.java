package dev.lopper.server;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A begun JSON reply on the JDK's HttpServer: the status and headers go out at once with a chunked body of
 * whitespace, the answer ends it as valid JSON, and a client that closes its connection is noticed at the first
 * poll after it closed (over loopback; the first write provokes the reset, the second fails).
 */
class JsonReplyTest {

    @Test
    void aClosedClientIsNoticedAtTheFirstPollAfterItClosed() throws Exception {
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        CountDownLatch closed = new CountDownLatch(1);
        CompletableFuture<Long> written = new CompletableFuture<>();
        http.createContext("/", ex -> {
            try (ex) {
                ex.getRequestBody().readAllBytes();
                JsonReply reply = new JsonReply(ex);
                reply.start();
                closed.await(10, TimeUnit.SECONDS);
                long polls = 0;
                while (!reply.gone() && polls < 1000) {
                    polls++; // a poll that did not notice
                    Thread.sleep(1);
                }
                written.complete(polls);
            } catch (Exception e) {
                written.completeExceptionally(e);
            }
        });
        http.start();
        try (Socket socket = new Socket("127.0.0.1", http.getAddress().getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = readUntil(socket.getInputStream(), "\r\n\r\n1\r\n \r\n");
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            assertTrue(head.toLowerCase().contains("transfer-encoding: chunked"), head);
        }
        closed.countDown();
        long missed = written.get(10, TimeUnit.SECONDS);
        System.out.println("JsonReply: noticed after " + missed + " poll(s) that missed the close");
        assertEquals(0, missed, "polls that did not notice the closed client");
        http.stop(0);
    }

    @Test
    void theProbedBodyIsTheAnswerAfterWhitespace() throws Exception {
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        http.createContext("/", ex -> {
            try (ex) {
                JsonReply reply = new JsonReply(ex);
                reply.start();
                for (int i = 0; i < 5; i++) {
                    assertTrue(!reply.gone());
                }
                reply.finish("{\"ok\":true}".getBytes(StandardCharsets.UTF_8));
            }
        });
        http.start();
        try {
            var client = java.net.http.HttpClient.newHttpClient();
            var r = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                    + http.getAddress().getPort() + "/")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
            assertEquals(" ".repeat(11) + "{\"ok\":true}", r.body(), "one space at start, two per poll");
            assertTrue(TestServer.json(r.body()).path("ok").asBoolean());
        } finally {
            http.stop(0);
        }
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
}
