package dev.lopper.cli;

import dev.lopper.engine.Model;
import dev.lopper.server.LopperServer;
import dev.lopper.server.ServerOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code lopper serve}: an OpenAI-compatible HTTP server with a chat page (docs/server.md). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a model over HTTP with OpenAI's API (/v1/chat/completions, /v1/completions, /v1/models),"
                + " llama-server's /health, and a chat page at /. Ctrl-C (or SIGTERM) lets running requests finish "
                + "for a few seconds, then stops.",
                "Example: lopper serve -m model.gguf --parallel 4 --ctx-size 8192"})
public final class ServeCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    SkipLayersOption skipLayers;

    @Mixin
    RepackOption repack;

    @Mixin
    ThreadOptions threads;

    @Mixin
    DebugOption debug;

    @Option(names = "--host", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only).")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080",
            description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = {"-np", "--parallel"}, paramLabel = "N", defaultValue = "1",
            description = "Slots: requests decoded at once, each with its own KV cache, in shared forward passes "
                    + "(default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--queue", paramLabel = "Q", defaultValue = "16",
            description = "Requests that may wait for a slot; more get HTTP 429 (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N",
            description = "Context in tokens for all slots together, split evenly as llama-server does (default: "
                    + "the model's, capped so the KV caches fit memory).")
    Integer ctxSize;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Require 'Authorization: Bearer KEY' (not for /health). The environment variable "
                    + "LOPPER_API_KEY does the same without showing the key in the process list.")
    String apiKey;

    @Option(names = "--cors", paramLabel = "ORIGIN", split = ",",
            description = "Browser origins allowed besides localhost; '*' for any (default: localhost only).")
    List<String> cors = new ArrayList<>();

    @Mixin
    TemplateOption template;

    @Option(names = "--drain", paramLabel = "SECONDS", defaultValue = "5",
            description = "On Ctrl-C or SIGTERM, how long running requests may finish (default: ${DEFAULT-VALUE}).")
    int drainSeconds;

    @Override
    public Integer call() throws Exception {
        String key = apiKey != null ? apiKey : System.getenv("LOPPER_API_KEY");
        if (key != null && key.isBlank()) {
            key = null;
        }
        if (drainSeconds < 0) {
            throw new IllegalArgumentException("--drain must be 0 or more, got " + drainSeconds);
        }
        ServerOptions options = new ServerOptions(host, port, parallel, queue, key, cors, template.name());
        Model loaded = ModelLoading.load(model.path(), ModelLoading.options(threads, ctxSize, skipLayers, repack));
        LopperServer server;
        try {
            server = LopperServer.start(loaded, options);
        } catch (java.io.IOException e) {
            loaded.close();
            throw new java.io.IOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            loaded.close();
            throw e;
        }
        long kv = loaded.kvCacheBytes(server.slotContext());
        Terminal.notice(String.format(Locale.ROOT, "%s: %d slot%s of %d tokens (--ctx-size %d); weights %s mapped, "
                        + "KV cache %s per slot, %s in all", loaded.name(), parallel, parallel == 1 ? "" : "s",
                server.slotContext(), loaded.contextSize(), mib(loaded.fileBytes()), mib(kv),
                mib(loaded.fileBytes() + kv * parallel)));
        Terminal.notice("listening on http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + server.port()
                + "/ (chat page at /, API at /v1)" + (key != null ? "; API key required" : ""));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Terminal.notice("stopping: running requests get " + drainSeconds + " s to finish");
            server.stop(Duration.ofSeconds(drainSeconds));
            loaded.close();
            stopped.countDown();
        }, "lopper-serve-stop"));
        stopped.await();
        return 0;
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20));
    }
}
