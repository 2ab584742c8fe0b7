package dev.lopper.cli;

import dev.lopper.chat.ChatTemplate;
import dev.lopper.chat.ChatTemplateException;
import dev.lopper.chat.Conversation;
import dev.lopper.chat.ChatSession;
import dev.lopper.engine.generate.ContextFullException;
import dev.lopper.engine.generate.Generator;
import dev.lopper.engine.sampling.SamplingParams;
import org.jline.reader.EOFError;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.ParsedLine;
import org.jline.reader.Parser;
import org.jline.reader.SyntaxError;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Attributes;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStyle;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * The interactive side of {@code lopper chat}: a JLine prompt with line editing, persistent history, multi-line input
 * (bracketed paste, or a trailing backslash), streamed answers, Ctrl-C to stop an answer, and slash commands. All
 * chat logic is in {@link ChatSession}; this class reads lines and prints.
 */
final class ChatRepl {

    /** What {@code /params} shows besides the session's own state. */
    record Settings(Path modelPath, String modelName, SamplingParams sampling, int maxTokens, int threads) {
    }

    static final String PROMPT = "> ";

    private static final String HELP = """
            /help          this list
            /reset         forget the conversation (the system prompt stays)
            /system TEXT   set the system prompt (without TEXT: back to the template's default)
            /save FILE     save the conversation as JSON
            /load FILE     load a saved conversation (rendered with this model's template)
            /stats         the last answer: prompt and generated tokens, times, tokens/s
            /params        sampling parameters, template, context size, model
            /exit          leave (Ctrl-D too)
            Enter sends. End a line with \\ to go on on the next line; pasted text may span lines.
            Ctrl-C stops an answer (what was written stays in the conversation; stopped before its first word, while
            the prompt is read, the message is not kept: ↑ brings it back); while typing it clears the line.
            Start a message with // to send text beginning with /.""";

    private final ChatSession chat;
    private final Settings settings;
    private final AtomicBoolean cancel = new AtomicBoolean();
    private org.jline.terminal.Terminal terminal;
    private PrintWriter out;
    private ChatSession.Turn last;
    /** Whether the cursor is at the start of a line (a notice during an answer then starts a new one). */
    private boolean atLineStart = true;

    ChatRepl(ChatSession chat, Settings settings) {
        this.chat = chat;
        this.settings = settings;
    }

    /** Runs until {@code /exit} or Ctrl-D; returns the exit code. */
    int run() throws IOException {
        try (org.jline.terminal.Terminal t = TerminalBuilder.builder().system(true)
                .encoding(StandardCharsets.UTF_8).build()) {
            terminal = t;
            out = t.writer();
            LineReader reader = LineReaderBuilder.builder()
                    .terminal(t)
                    .appName("lopper")
                    .parser(new ContinuationParser())
                    .variable(LineReader.HISTORY_FILE, historyFile())
                    .variable(LineReader.SECONDARY_PROMPT_PATTERN, "… ")
                    .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                    .option(LineReader.Option.BRACKETED_PASTE, true)
                    .option(LineReader.Option.INSERT_TAB, true)
                    .option(LineReader.Option.HISTORY_IGNORE_SPACE, false)
                    .build();
            chat.onNotice(this::dim);
            t.handle(org.jline.terminal.Terminal.Signal.INT, signal -> cancel.set(true));
            banner();
            while (true) {
                String line;
                try {
                    line = reader.readLine(PROMPT);
                } catch (UserInterruptException e) {
                    continue; // Ctrl-C while typing: the line is dropped
                } catch (EndOfFileException e) {
                    break;
                }
                line = line.replace("\\\n", "\n");
                if (line.isBlank()) {
                    continue;
                }
                if (line.startsWith("/") && !line.startsWith("//")) {
                    if (!command(line.strip())) {
                        break;
                    }
                } else {
                    answer(line.startsWith("//") ? line.substring(1) : line);
                }
            }
            try {
                reader.getHistory().save();
            } catch (IOException e) {
                dim("could not save the history: " + ErrorReporter.message(e));
            }
            out.flush();
        }
        return 0;
    }

    private void banner() {
        ChatTemplate template = chat.template();
        dim("lopper chat · " + settings.modelName() + " · template " + template.name() + " · context "
                + chat.capacity() + " tokens");
        if (template.name().equals("completion")) {
            dim("no chat template: the model continues your text (--template NAME picks one)");
        }
        dim("/help for commands, Ctrl-C stops an answer, Ctrl-D or /exit leaves");
    }

    private void answer(String message) {
        cancel.set(false);
        atLineStart = true;
        Attributes saved = quietInterrupt();
        try {
            last = chat.reply(message.strip(), settings.maxTokens(), text -> {
                out.print(text);
                out.flush();
                atLineStart = text.endsWith("\n");
            }, cancel::get);
        } catch (ContextFullException e) {
            dim("message not sent: " + e.getMessage());
            return;
        } catch (ChatTemplateException e) {
            dim(ErrorReporter.message(ChatTemplateChoice.renderError(chat.template(), e)));
            return;
        } catch (RuntimeException e) {
            out.println();
            dim("error: " + ErrorReporter.message(e));
            return;
        } finally {
            terminal.setAttributes(saved);
        }
        if (last.reason() == Generator.StopReason.CANCELLED) {
            // The "^C" the terminal would have echoed when the key was pressed, written once the answer has
            // stopped: so nothing of the answer follows it. Then the line break that puts the prompt on its own line.
            out.println("^C");
            out.flush();
            atLineStart = true;
            return;
        }
        if (!atLineStart || last.answer().isEmpty()) {
            out.println();
            atLineStart = true;
        }
        switch (last.reason()) {
            case CONTEXT_FULL -> dim("[answer cut: the context window of " + chat.capacity()
                    + " tokens is full; raise --ctx-size]");
            case LENGTH -> dim("[" + last.generatedTokens() + " tokens: the -n limit]");
            default -> {
            }
        }
        out.flush();
    }

    /**
     * Sets the terminal up for a streaming answer and returns its settings to restore: Ctrl-C is not echoed as
     * {@code ^C} by the terminal (ECHOCTL off; {@link #answer} writes it once generation has stopped, so no token
     * lands after it), and it does not discard output the terminal has not shown yet (NOFLSH on), which could cut a
     * UTF-8 character or an escape sequence in half.
     */
    private Attributes quietInterrupt() {
        Attributes saved = terminal.getAttributes();
        Attributes quiet = new Attributes(saved);
        quiet.setLocalFlag(Attributes.LocalFlag.ECHOCTL, false);
        quiet.setLocalFlag(Attributes.LocalFlag.NOFLSH, true);
        terminal.setAttributes(quiet);
        return saved;
    }

    /** Runs a slash command; returns false to leave. */
    private boolean command(String line) {
        int space = line.indexOf(' ');
        String name = (space < 0 ? line : line.substring(0, space)).toLowerCase(Locale.ROOT);
        String arg = space < 0 ? "" : line.substring(space + 1).strip();
        switch (name) {
            case "/exit", "/quit", "/bye" -> {
                return false;
            }
            case "/help", "/?" -> out.println(HELP);
            case "/reset", "/clear" -> {
                chat.reset();
                dim("conversation forgotten" + (chat.conversation().systemPrompt().isPresent()
                        ? " (system prompt kept)" : ""));
            }
            case "/system" -> {
                chat.conversation().setSystemPrompt(arg.isEmpty() ? null : arg);
                dim(arg.isEmpty() ? "system prompt: the template's default" : "system prompt set");
            }
            case "/save" -> {
                if (arg.isEmpty()) {
                    dim("usage: /save FILE");
                } else {
                    try {
                        chat.conversation().save(path(arg));
                        dim("saved " + chat.conversation().turns().size() + " messages to " + arg);
                    } catch (IOException | RuntimeException e) {
                        dim("error: " + ErrorReporter.message(e));
                    }
                }
            }
            case "/load" -> {
                if (arg.isEmpty()) {
                    dim("usage: /load FILE");
                } else {
                    try {
                        Conversation loaded = Conversation.load(path(arg), chat.template());
                        chat.setConversation(loaded);
                        dim("loaded " + loaded.turns().size() + " messages from " + arg);
                    } catch (IOException | RuntimeException e) {
                        dim("error: " + ErrorReporter.message(e));
                    }
                }
            }
            case "/stats" -> stats();
            case "/params" -> params();
            default -> dim("unknown command " + name + "; /help lists the commands");
        }
        out.flush();
        return true;
    }

    private void stats() {
        if (last == null) {
            dim("no answer yet");
            return;
        }
        ChatSession.Turn t = last;
        out.printf(Locale.ROOT, "prompt:  %d tokens processed, %d reused from the cache (%d in the prompt) in %.3f s, "
                        + "%.1f tokens/s%n", t.promptTokens(), t.reusedTokens(), t.totalPromptTokens(),
                t.promptNanos() / 1e9, t.promptTokensPerSecond());
        out.printf(Locale.ROOT, "answer:  %d tokens generated in %.3f s, %.1f tokens/s (%s)%n", t.generatedTokens(),
                t.decodeNanos() / 1e9, t.decodeTokensPerSecond(), reason(t.reason()));
        out.printf(Locale.ROOT, "context: %d of %d tokens in use%s%n", t.contextTokens(), chat.capacity(),
                t.droppedTurns() == 0 ? "" : t.droppedTurns() == 1 ? ", the oldest exchange dropped"
                        : ", the " + t.droppedTurns() + " oldest exchanges dropped");
    }

    private static String reason(Generator.StopReason r) {
        return switch (r) {
            case END_OF_GENERATION -> "end of text";
            case STOP_STRING -> "stop string";
            case LENGTH -> "-n limit";
            case CONTEXT_FULL -> "context full";
            case CANCELLED -> "stopped by Ctrl-C";
        };
    }

    private void params() {
        SamplingParams p = settings.sampling();
        ChatTemplate template = chat.template();
        Conversation c = chat.conversation();
        out.printf(Locale.ROOT, "model:      %s (%s)%n", settings.modelPath(), settings.modelName());
        out.printf(Locale.ROOT, "template:   %s (stop strings: %s)%n", template.name(),
                template.stopStrings().isEmpty() ? "none"
                        : template.stopStrings().stream().map(s -> '"' + s + '"').collect(Collectors.joining(", ")));
        out.printf(Locale.ROOT, "system:     %s%n", c.systemPrompt().map(s -> '"' + s + '"')
                .orElse(template.defaultSystemPrompt().map(s -> "(template default) \"" + s + '"')
                        .orElse("(none)")));
        out.printf(Locale.ROOT, "context:    %d tokens, %d in use, %d kept free for an answer%n", chat.capacity(),
                chat.cachedTokens(), chat.reserve(settings.maxTokens()));
        out.printf(Locale.ROOT, "max tokens: %s%n", settings.maxTokens() < 0
                ? "-1 (until end of text, a stop string or a full context)" : settings.maxTokens());
        out.printf(Locale.ROOT, "sampling:   temp %s, top-k %d, top-p %s, min-p %s, repeat-penalty %s over %d tokens, "
                        + "seed %d%n", p.temperature(), p.topK(), p.topP(), p.minP(), p.repeatPenalty(),
                p.repeatLastN(), p.seed());
        out.printf(Locale.ROOT, "threads:    %d%n", settings.threads());
    }

    /** A dim one-line notice on the terminal. */
    private void dim(String text) {
        if (!atLineStart) {
            out.println();
            atLineStart = true;
        }
        out.println(new AttributedString(text, AttributedStyle.DEFAULT.faint()).toAnsi(terminal));
        out.flush();
    }

    private static Path path(String arg) {
        if (arg.startsWith("~/")) {
            return Path.of(System.getProperty("user.home"), arg.substring(2));
        }
        return Path.of(arg);
    }

    /** {@code $XDG_STATE_HOME/lopper/history} when XDG_STATE_HOME is set, else {@code ~/.lopper_history}. */
    static Path historyFile() {
        String xdg = System.getenv("XDG_STATE_HOME");
        Path file = xdg != null && !xdg.isBlank()
                ? Path.of(xdg, "lopper", "history")
                : Path.of(System.getProperty("user.home"), ".lopper_history");
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            // History then lives in memory only; JLine reports nothing and the chat works.
        }
        return file;
    }

    /** A line ending in a backslash continues on the next line. */
    private static final class ContinuationParser implements Parser {
        private final DefaultParser words = new DefaultParser();

        @Override
        public ParsedLine parse(String line, int cursor, ParseContext context) throws SyntaxError {
            if (context == ParseContext.ACCEPT_LINE && line.endsWith("\\")) {
                throw new EOFError(-1, -1, "line continues", "\\");
            }
            return words.parse(line, cursor, ParseContext.COMPLETE);
        }
    }
}
