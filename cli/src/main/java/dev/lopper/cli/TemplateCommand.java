package dev.lopper.cli;

import dev.lopper.chat.ChatTemplate;
import dev.lopper.chat.ChatTemplateException;
import dev.lopper.chat.Conversation;
import dev.lopper.chat.Message;
import dev.lopper.engine.tokenizer.Vocabulary;
import dev.lopper.gguf.GgufFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Iterator;
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

    @Mixin
    TemplateOption template;

    @Mixin
    JinjaOption jinja;

    @Option(names = "--system", paramLabel = "TEXT", description = "System prompt (default: the template's own).")
    String system;

    @Option(names = "--no-generation-prompt", description = "Do not end with the cue for the assistant's reply.")
    boolean noGenerationPrompt;

    @Spec
    CommandSpec spec;

    @Option(names = "--user", paramLabel = "TEXT", required = true, description = "A user message (repeatable).")
    List<String> users;

    @Option(names = "--assistant", paramLabel = "TEXT",
            description = "An assistant message (repeatable); turns are kept in command-line order.")
    List<String> assistants = List.of();

    /** The --user and --assistant values in the order they were given. */
    private List<Message> turnsInOrder() {
        List<Message> turns = new ArrayList<>();
        Iterator<String> u = users.iterator();
        Iterator<String> a = assistants.iterator();
        for (ArgSpec arg : spec.commandLine().getParseResult().matchedArgs()) {
            if (arg instanceof OptionSpec o && o.longestName().equals("--user")) {
                turns.add(Message.user(u.next()));
            } else if (arg instanceof OptionSpec o && o.longestName().equals("--assistant")) {
                if (turns.isEmpty()) {
                    throw OptionChecks.bad(spec, "--assistant comes before any --user: a conversation starts with "
                            + "the user");
                }
                turns.add(Message.assistant(a.next()));
            }
        }
        return turns;
    }

    @Override
    public Integer call() throws Exception {
        ChatTemplate chosen;
        try (GgufFile file = GgufFile.openForMetadata(model.path())) {
            if (file.missingBytes() > 0) {
                Terminal.notice(TruncationNotice.of(file));
            }
            chosen = ChatTemplateChoice.choose(file.metadata(), Vocabulary.fromGguf(file.metadata()),
                    template.name(), jinja.jinja());
        }
        Conversation c = new Conversation(chosen, system);
        for (Message m : turnsInOrder()) {
            c.add(m);
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
