package dev.lopper.cli;

import dev.lopper.engine.Model;
import dev.lopper.engine.generate.Generator;
import dev.lopper.engine.generate.Session;
import dev.lopper.engine.sampling.Sampler;
import dev.lopper.engine.tokenizer.Tokenizer;
import org.jline.utils.Signals;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@code lopper generate}: streams the continuation of a prompt to stdout, and nothing else. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt (or start from BOS) and stream the text to stdout.")
public final class GenerateCommand implements Callable<Integer> {
    /** The exit code of a command stopped by Ctrl-C (SIGINT): 128 + 2, as shells report it. */
    static final int INTERRUPTED = 130;

    @Mixin
    ModelOptions model;

    @Mixin
    SkipLayersOption skipLayers;

    @Mixin
    RepackOption repack;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    ThreadOptions threads;

    @Mixin
    DebugOption debug;

    @Mixin
    ContextOptions context;

    @Spec
    CommandSpec spec;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "Prompt text (default: empty, start from BOS).")
    String prompt;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE",
            description = "Read the prompt from FILE (UTF-8); '-' reads it from stdin.")
    String promptFile;

    private int maxTokens;

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N", defaultValue = "128",
            description = "Tokens to generate; -1 = until end of text or a full context (default: ${DEFAULT-VALUE}).")
    void maxTokens(int n) {
        OptionChecks.require(n >= -1, spec, "-n must be -1 (no limit) or more, got " + n);
        maxTokens = n;
    }

    @Option(names = "--truncate-prompt",
            description = "Drop the beginning of a prompt longer than the context instead of refusing it.")
    boolean truncatePrompt;

    @Option(names = "--no-perf", description = "Do not print the timing summary on stderr.")
    boolean noPerf;

    @Option(names = "--no-eos-stop", description = "Keep generating after an end-of-text token.", hidden = true)
    boolean ignoreEos;

    @Override
    public Integer call() throws Exception {
        if (prompt != null && promptFile != null) {
            throw OptionChecks.bad(spec, "give the prompt with -p or -f, not both");
        }
        String promptText = promptFile != null ? Utf8Input.read(promptFile) : prompt == null ? "" : prompt;
        var params = sampling.params();
        try (Model llama = ModelLoading.load(model.path(),
                ModelLoading.options(threads, context.requested(), skipLayers, repack))) {
            Tokenizer tokenizer = llama.tokenizer();
            int[] tokens = promptText.isEmpty()
                    ? new int[]{tokenizer.bos()}
                    : tokenizer.encode(promptText, true, true);
            if (tokens.length == 0) {
                tokens = new int[]{tokenizer.bos()};
            }
            BosCheck.warnIfDoubled(tokenizer, tokens);
            int window = llama.contextSize();
            int ctx = context.requested() != null || maxTokens < 0 ? window
                    : (int) Math.min(window, (long) tokens.length + maxTokens);
            if (tokens.length > ctx) {
                tokens = PromptFit.fit(tokens, ctx, window, maxTokens, llama.config().contextLength(),
                        truncatePrompt, tokenizer.bos());
            }
            Session session = llama.newSession(ctx);
            Sampler sampler = new Sampler(params, llama.config().vocabSize());
            PrintStream out = Terminal.out();
            // Ctrl-C stops the prompt between batches or the answer after the current token, shows nothing more
            // (no token, no timing line) and exits with 130, as a shell expects of an interrupted command.
            AtomicBoolean interrupted = new AtomicBoolean();
            Object previous = Signals.register("INT", () -> interrupted.set(true));
            Generator.Result r;
            try {
                r = new Generator(session, tokenizer, sampler).generate(tokens, maxTokens, List.of(), false, text -> {
                    out.print(text);
                    out.flush();
                }, interrupted::get);
            } finally {
                if (previous != null) {
                    Signals.unregister("INT", previous);
                }
            }
            if (Terminal.stdoutIsTerminal()) {
                out.println();
            }
            out.flush();
            if (r.reason() == Generator.StopReason.CANCELLED) {
                return INTERRUPTED;
            }
            if (r.reason() == Generator.StopReason.CONTEXT_FULL) {
                Terminal.notice("stopped: the context of " + ctx + " tokens is full");
            }
            if (!noPerf) {
                Terminal.notice(Timing.summary(r));
            }
        }
        return 0;
    }
}
