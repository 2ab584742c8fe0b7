package dev.lopper.cli;

import dev.lopper.chat.ChatOptions;
import dev.lopper.chat.ChatSession;
import dev.lopper.chat.ChatTemplate;
import dev.lopper.chat.ChatTemplateException;
import dev.lopper.engine.Model;
import dev.lopper.engine.generate.Generator;
import dev.lopper.engine.sampling.SamplingParams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.util.concurrent.Callable;

/**
 * {@code lopper chat}: an interactive chat on a terminal ({@link ChatRepl}); with {@code --prompt}, or when stdin is
 * not a terminal, one answer to one message and nothing else on stdout.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = {"Chat with a model using its chat template: an interactive prompt with line editing and "
                + "history on a terminal (/help lists commands).",
                "With --prompt, or with a message piped on stdin, answers that one message on stdout and exits."})
public final class ChatCommand implements Callable<Integer> {
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

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT",
            description = "Answer this one message and exit (default: interactive, or the message on stdin when it "
                    + "is not a terminal).")
    String prompt;

    @Mixin
    ContextOptions context;

    @Mixin
    TemplateOption template;

    @Mixin
    JinjaOption jinja;

    @Spec
    CommandSpec spec;

    private int maxTokens;

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N", defaultValue = "-1",
            description = "Tokens per answer at most; -1 = until end of text, a stop string or a full context "
                    + "(default: ${DEFAULT-VALUE}).")
    void maxTokens(int n) {
        OptionChecks.require(n >= -1, spec, "-n must be -1 (no limit) or more, got " + n);
        maxTokens = n;
    }

    @Option(names = "--system", paramLabel = "TEXT", description = "System prompt (default: the template's own).")
    String system;

    @Override
    public Integer call() throws Exception {
        SamplingParams params = sampling.params();
        boolean interactive = prompt == null && Terminal.stdoutIsTerminal();
        String message = null;
        if (!interactive) {
            message = prompt != null ? prompt : readStdin();
            if (message.isBlank()) {
                throw new IllegalArgumentException(prompt != null ? "--prompt is empty"
                        : "no message on stdin (pipe one in, or pass --prompt TEXT)");
            }
        }
        try (Model llama = ModelLoading.load(model.path(),
                ModelLoading.options(threads, context.requested(), skipLayers, repack))) {
            ChatTemplate chosen = ChatTemplateChoice.choose(llama.metadata(), llama.tokenizer().vocabulary(),
                    template.name(), jinja.jinja());
            ChatTemplateChoice.check(chosen, system);
            ChatSession chat = ChatSession.open(llama, new ChatOptions(template.name(), system, params, maxTokens, 0,
                    jinja.jinja()));
            if (interactive) {
                ChatRepl.Settings settings = new ChatRepl.Settings(model.path(), llama.name(), params,
                        maxTokens, llama.threads());
                return new ChatRepl(chat, settings).run();
            }
            return oneTurn(chat, message.strip());
        }
    }

    private int oneTurn(ChatSession chat, String message) {
        chat.onNotice(Terminal::notice);
        PrintStream out = Terminal.out();
        ChatSession.Turn turn;
        try {
            turn = chat.reply(message, maxTokens, text -> {
                out.print(text);
                out.flush();
            }, () -> false);
        } catch (ChatTemplateException e) {
            throw ChatTemplateChoice.renderError(chat.template(), e);
        }
        if (Terminal.stdoutIsTerminal()) {
            out.println();
        }
        out.flush();
        if (turn.reason() == Generator.StopReason.CONTEXT_FULL) {
            Terminal.notice("answer cut: the context window of " + chat.capacity()
                    + " tokens is full (raise --ctx-size)");
        }
        return 0;
    }

    private static String readStdin() throws IOException {
        return Utf8Input.stdin();
    }
}
