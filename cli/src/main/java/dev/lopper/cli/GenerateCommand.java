package dev.lopper.cli;

import dev.lopper.engine.Model;
import dev.lopper.engine.generate.Generator;
import dev.lopper.engine.generate.Session;
import dev.lopper.engine.sampling.Sampler;
import dev.lopper.engine.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code lopper generate}: streams the continuation of a prompt to stdout, and nothing else. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt (or start from BOS) and stream the text to stdout.")
public final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    SkipLayersOption skipLayers;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    ThreadOptions threads;

    @Mixin
    DebugOption debug;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "Prompt text (default: empty, start from BOS).")
    String prompt = "";

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N",
            description = "Tokens to generate; -1 = until end of text or a full context (default: ${DEFAULT-VALUE}).")
    int maxTokens = 128;

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N",
            description = "Context window (default: what prompt + N need, at most the model's context).")
    Integer ctxSize;

    @Option(names = "--no-eos-stop", description = "Keep generating after an end-of-text token.", hidden = true)
    boolean ignoreEos;

    @Override
    public Integer call() throws Exception {
        if (maxTokens < -1) {
            throw new IllegalArgumentException("-n must be -1 or more, got " + maxTokens);
        }
        var params = sampling.params();
        try (Model llama = ModelLoading.load(model.path(), ModelLoading.options(threads, ctxSize, skipLayers))) {
            Tokenizer tokenizer = llama.tokenizer();
            int[] tokens = prompt.isEmpty()
                    ? new int[]{tokenizer.bos()}
                    : tokenizer.encode(prompt, true, true);
            if (tokens.length == 0) {
                tokens = new int[]{tokenizer.bos()};
            }
            int window = llama.contextSize();
            int ctx = ctxSize != null || maxTokens < 0 ? window
                    : (int) Math.min(window, (long) tokens.length + maxTokens);
            if (tokens.length > ctx) {
                throw new IllegalArgumentException("prompt is " + tokens.length + " tokens but the context holds "
                        + ctx + " (raise --ctx-size)");
            }
            Session session = llama.newSession(ctx);
            Sampler sampler = new Sampler(params, llama.config().vocabSize());
            PrintStream out = Terminal.out();
            Generator.Result r = new Generator(session, tokenizer, sampler).generate(tokens, maxTokens, List.of(),
                    false, text -> {
                        out.print(text);
                        out.flush();
                    }, () -> false);
            if (r.reason() == Generator.StopReason.CONTEXT_FULL) {
                Terminal.notice("stopped: the context of " + ctx + " tokens is full");
            }
            if (Terminal.stdoutIsTerminal()) {
                out.println();
            }
            out.flush();
        }
        return 0;
    }
}
