package dev.lopper.server;

import java.util.List;
import java.util.Objects;

/**
 * How {@link LopperServer} serves a model.
 *
 * @param host        address to bind; 127.0.0.1 keeps the server local
 * @param port        TCP port; 0 picks a free one
 * @param parallel    slots: conversations decoded at once, each with its own KV cache
 * @param queue       requests that may wait for a slot; past that a request gets 429
 * @param apiKey      the bearer key every request but {@code /health} must carry; null for none
 * @param corsOrigins origins besides localhost that browsers may call from; "*" for any
 * @param template    a built-in chat template name, or null for the model's own
 */
public record ServerOptions(String host, int port, int parallel, int queue, String apiKey, List<String> corsOrigins,
                            String template) {
    public static final int DEFAULT_PORT = 8080;

    public ServerOptions {
        Objects.requireNonNull(host, "host");
        corsOrigins = List.copyOf(corsOrigins);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be in 0..65535, got " + port);
        }
        if (parallel < 1) {
            throw new IllegalArgumentException("--parallel must be at least 1, got " + parallel);
        }
        if (queue < 0) {
            throw new IllegalArgumentException("--queue must be 0 or more, got " + queue);
        }
        if (apiKey != null && apiKey.isBlank()) {
            throw new IllegalArgumentException("--api-key is empty");
        }
    }

    /** 127.0.0.1:8080, one slot, a queue of 16, no key, localhost origins only, the model's template. */
    public static ServerOptions defaults() {
        return new ServerOptions("127.0.0.1", DEFAULT_PORT, 1, 16, null, List.of(), null);
    }

    public ServerOptions withPort(int value) {
        return new ServerOptions(host, value, parallel, queue, apiKey, corsOrigins, template);
    }

    public ServerOptions withParallel(int value) {
        return new ServerOptions(host, port, value, queue, apiKey, corsOrigins, template);
    }

    public ServerOptions withQueue(int value) {
        return new ServerOptions(host, port, parallel, value, apiKey, corsOrigins, template);
    }

    public ServerOptions withApiKey(String value) {
        return new ServerOptions(host, port, parallel, queue, value, corsOrigins, template);
    }

    public ServerOptions withCorsOrigins(List<String> value) {
        return new ServerOptions(host, port, parallel, queue, apiKey, value, template);
    }
}
