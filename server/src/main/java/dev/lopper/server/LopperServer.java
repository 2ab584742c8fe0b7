package dev.lopper.server;

import com.sun.net.httpserver.HttpServer;
import dev.lopper.engine.Model;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An OpenAI-compatible HTTP server for one model ({@code lopper serve}; docs/server.md).
 *
 * <p>HTTP is the JDK's {@link HttpServer} with one virtual thread per exchange: no dependency and no hand-written
 * HTTP parsing. Each request thread renders and tokenizes its prompt, waits for a slot in a bounded queue, and
 * generates on its slot's session; the sessions share one batcher, so the active slots advance together, one
 * forward pass per step.
 */
public final class LopperServer implements AutoCloseable {
    private final HttpServer http;
    private final ExecutorService executor;
    private final ModelService service;
    private boolean stopped;

    private LopperServer(HttpServer http, ExecutorService executor, ModelService service) {
        this.http = http;
        this.executor = executor;
        this.service = service;
    }

    /**
     * Starts serving {@code model} (which the caller closes after the server). Slots get
     * {@code model.contextSize() / parallel} tokens each.
     *
     * @throws IOException when the address cannot be bound
     */
    public static LopperServer start(Model model, ServerOptions options) throws IOException {
        ModelService service = new ModelService(model, options);
        try {
            HttpServer http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 64);
            ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
            http.setExecutor(executor);
            http.createContext("/", new Api(service, options));
            http.start();
            return new LopperServer(http, executor, service);
        } catch (IOException | RuntimeException e) {
            service.close();
            throw e;
        }
    }

    /** The port bound (useful with port 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    /** Tokens each slot's KV cache holds. */
    public int slotContext() {
        return service.slotContext();
    }

    /** Forward passes run so far and tokens run in them: {@code rows / steps} is the mean batch. */
    public long steps() {
        return service.batcher().steps();
    }

    public long rows() {
        return service.batcher().rows();
    }

    /** The model side, for tests in this package (slots, queue, batcher). */
    ModelService service() {
        return service;
    }

    /** Tokens generated so far, over all requests. */
    public long generatedTokens() {
        return service.generatedTokens();
    }

    /** Requests whose generation stopped early because the client went away. */
    public long cancelled() {
        return service.cancelled();
    }

    /**
     * Stops taking connections, lets the requests in flight finish for up to {@code drain}, then stops the rest at
     * their next token and releases the slots. Idempotent.
     */
    public synchronized void stop(Duration drain) {
        if (stopped) {
            return;
        }
        stopped = true;
        Thread stopper = Thread.ofVirtual().start(() -> http.stop((int) Math.max(0, drain.toSeconds())));
        try {
            stopper.join(drain.plusSeconds(1));
            service.stop();
            stopper.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.shutdown();
        service.close();
    }

    @Override
    public void close() {
        stop(Duration.ZERO);
    }
}
