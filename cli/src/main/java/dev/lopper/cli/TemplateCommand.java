package dev.lopper.cli;

import dev.lopper.chat.ChatTemplate;
import dev.lopper.chat.ChatTemplateException;
import dev.lopper.chat.Conversation;
import dev.lopper.engine.tokenizer.Vocabulary;
import dev.lopper.gguf.GgufFile;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code lopper template}: the exact prompt text a chat template renders, for debugging templates. */
@Command(name = "template", mixinStandardHelpOptions = true,
        description = {"Print the exact prompt text the chat template renders for a conversation, ending with the "
                + "cue for the assistant's reply.",
                "Example: lopper template --template vicuna --user Hi --assistant Hello --user 'How are you?'"})
public final class TemplateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    DebugOption debug;

    @Option(names = "--template", paramLabel = "NAME",
            description = "Chat template: auto (the model's), vicuna_v1.1, alpaca, llama-2, chatml, zephyr, completion "
                    + "(default: auto).")
    String template;

    @Option(names = "--system", paramLabel = "TEXT", description = "System prompt (default: the template's own).")
    String system;

    @Option(names = "--no-generation-prompt", description = "Do not end with the cue for the assistant's reply.")
    boolean noGenerationPrompt;

    @ArgGroup(exclusive = false, multiplicity = "1..*")
    List<Exchange> exchanges;

    /** One {@code --user U [--assistant A]} pair, in command-line order. */
    static final class Exchange {
        @Option(names = "--user", paramLabel = "TEXT", required = true, description = "A user message (repeatable).")
        String user;

        @Option(names = "--assistant", paramLabel = "TEXT",
                description = "The assistant's reply to the preceding --user (repeatable).")
        String assistant;
    }

    @Override
    public Integer call() throws Exception {
        ChatTemplate chosen;
        try (GgufFile file = GgufFile.openForMetadata(model.path())) {
            if (file.missingBytes() > 0) {
                Terminal.notice(TruncationNotice.of(file));
            }
            chosen = ChatTemplateChoice.choose(file.metadata(), Vocabulary.fromGguf(file.metadata()), template);
        }
        Conversation c = new Conversation(chosen, system);
        for (Exchange e : exchanges) {
            c.addUser(e.user);
            if (e.assistant != null) {
                c.addAssistant(e.assistant);
            }
        }
        String text;
        try {
            text = c.render(!noGenerationPrompt);
        } catch (ChatTemplateException e) {
            throw ChatTemplateChoice.renderError(chosen, e);
        }
        PrintStream out = Terminal.out();
        out.print(text);
        if (Terminal.stdoutIsTerminal()) {
            out.println();
        }
        out.flush();
        return 0;
    }
}
