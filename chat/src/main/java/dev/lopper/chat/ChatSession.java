package dev.lopper.chat;

import dev.lopper.engine.Model;
import dev.lopper.engine.generate.ContextFullException;
import dev.lopper.engine.generate.Generator;
import dev.lopper.engine.generate.Session;
import dev.lopper.engine.sampling.Sampler;
import dev.lopper.engine.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A chat with a model: keeps a {@link Conversation} and the {@link Session} (KV cache) that has seen it in step.
 *
 * <p>Each {@link #reply} renders the whole conversation with the template, tokenizes it (special tokens parsed,
 * BOS per {@link ChatTemplates#shouldAddBos}), keeps the longest prefix the session has already processed
 * ({@link Session#commonPrefix}), forgets the rest and appends only the new tokens. So a turn normally costs just
 * its own tokens, and anything that changes earlier text (a new system prompt, a loaded conversation, an answer
 * that re-tokenizes differently) costs only the tokens from the first difference on.
 *
 * <p><b>A full window.</b> When the prompt plus {@link #reserve(int) room for the answer} does not fit, the oldest
 * exchanges are dropped (the system prompt is kept) until it does, and a notice says so. When the window fills
 * while answering, older exchanges are dropped the same way and the answer continues from where it was (its text so
 * far is re-rendered after the prompt). If even the newest user message alone does not fit, it is removed again and
 * a {@link ContextFullException} says so; the chat stays usable.
 *
 * <p><b>Use.</b> {@code try (var chat = ChatSession.open(model, ChatOptions.defaults())) { chat.send("Hi",
 * text -> System.out.print(text)); }} (see docs/java-api.md).
 *
 * <p><b>Answers.</b> With a chat template the answer is shown and stored without surrounding whitespace (models write
 * {@code " Hello"} after {@code "ASSISTANT:"}; stored stripped it re-renders to the same tokens). With the
 * {@code completion} template it is the raw continuation. A cancelled answer keeps the text shown so far.
 * Not thread-safe, except that {@code cancelled} may be set from another thread.
 */
public final class ChatSession implements AutoCloseable {

    /**
     * What one {@link #reply} did.
     *
     * @param answer          the answer as stored in the conversation
     * @param reason          why generation ended
     * @param promptTokens    prompt tokens run through the model (the new ones only)
     * @param reusedTokens    prompt tokens taken from the cache instead
     * @param generatedTokens tokens sampled
     * @param droppedTurns    old exchanges forgotten to make room
     * @param contextTokens   tokens in the window after the answer
     */
    public record Turn(String answer, Generator.StopReason reason, int promptTokens, int reusedTokens,
                       int generatedTokens, long promptNanos, long decodeNanos, int droppedTurns, int contextTokens) {

        /** All prompt tokens of this turn: processed plus reused. */
        public int totalPromptTokens() {
            return promptTokens + reusedTokens;
        }

        public double promptTokensPerSecond() {
            return promptNanos == 0 ? 0 : promptTokens * 1e9 / promptNanos;
        }

        /** Generated tokens per second; the first token's sampling counts toward the prompt, as in Generator. */
        public double decodeTokensPerSecond() {
            return decodeNanos == 0 || generatedTokens <= 1 ? 0 : (generatedTokens - 1) * 1e9 / decodeNanos;
        }
    }

    private final Session session;
    private final Tokenizer tokenizer;
    private final Generator generator;
    private Conversation conversation;
    private Consumer<String> notices = s -> { };
    private int answerLimit = -1;

    public ChatSession(Conversation conversation, Session session, Tokenizer tokenizer, Sampler sampler) {
        this.conversation = Objects.requireNonNull(conversation, "conversation");
        this.session = Objects.requireNonNull(session, "session");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.generator = new Generator(session, tokenizer, sampler);
    }

    /**
     * A chat on {@code model} with its own KV cache of {@code options.contextSize()} tokens (the model's default when
     * 0), the template chosen by {@link ChatTemplates#forModel}.
     *
     * @throws ChatTemplateException    if the template cannot render a first message with the system prompt
     * @throws IllegalArgumentException for an unknown template name or a window larger than the model's
     */
    public static ChatSession open(Model model, ChatOptions options) {
        ChatTemplate template = ChatTemplates.forModel(model.metadata(), model.tokenizer().vocabulary(),
                options.template(), options.jinja());
        new Conversation(template, options.system()).addUser("Hello").prompt(); // fails now rather than mid-chat
        Session session = options.contextSize() == 0 ? model.newSession() : model.newSession(options.contextSize());
        ChatSession chat = new ChatSession(new Conversation(template, options.system()), session, model.tokenizer(),
                new Sampler(options.sampling(), model.config().vocabSize()));
        chat.answerLimit = options.maxTokens();
        return chat;
    }

    /**
     * Sends a user message and streams the answer's text to {@code out} as it is generated, up to the options' max
     * tokens; see {@link #reply}.
     */
    public Turn send(String user, Consumer<String> out) {
        return reply(user, answerLimit, out, () -> false);
    }

    /** {@link #send(String, Consumer)} that stops early once {@code cancelled} returns true. */
    public Turn send(String user, Consumer<String> out, BooleanSupplier cancelled) {
        return reply(user, answerLimit, out, cancelled);
    }

    /** Nothing to release but memory; here so that a chat reads as a resource next to its model. */
    @Override
    public void close() {
    }

    /** Where one-line notices (turns dropped to fit the window) go; by default nowhere. */
    public ChatSession onNotice(Consumer<String> notices) {
        this.notices = Objects.requireNonNull(notices, "notices");
        return this;
    }

    public Conversation conversation() {
        return conversation;
    }

    /** Replaces the conversation (for example a loaded one); the cache keeps whatever prefix still matches. */
    public void setConversation(Conversation conversation) {
        this.conversation = Objects.requireNonNull(conversation, "conversation");
    }

    public ChatTemplate template() {
        return conversation.template();
    }

    /** Tokens the window holds. */
    public int capacity() {
        return session.capacity();
    }

    /** Tokens in the cache now. */
    public int cachedTokens() {
        return session.length();
    }

    /** The token ids in the cache now, oldest first. */
    public int[] cachedTokenIds() {
        return session.tokens();
    }

    /** Forgets the turns, keeping the system prompt (its tokens stay cached for the next turn). */
    public void reset() {
        conversation.clear();
    }

    /** Tokenizes rendered chat text: special tokens parsed, BOS added unless the text already starts with it. */
    public int[] tokenize(String rendered) {
        return ChatTemplates.encodePrompt(tokenizer, rendered);
    }

    /**
     * Room kept free for the answer when fitting the prompt: {@code maxTokens} when given (at most half the window),
     * otherwise a quarter of the window.
     */
    public int reserve(int maxTokens) {
        int cap = session.capacity();
        return maxTokens >= 0 ? Math.min(maxTokens, cap / 2) : cap / 4;
    }

    /**
     * Adds {@code user} to the conversation and generates the assistant's answer, streaming its text to {@code out};
     * the answer (possibly partial, when cancelled or cut) is added to the conversation. {@code cancelled} is checked
     * between prompt batches and after every forward pass (see {@link Generator}); once it says so, nothing more is
     * sent to {@code out}. Cancelled before any answer text was shown (while the prompt ran), the message is removed
     * again, as if not sent, and the turn's answer is empty.
     *
     * @param maxTokens tokens to generate at most; {@code < 0} for no limit but the window
     * @throws ContextFullException  if the message does not fit the window even alone (it is not kept)
     * @throws ChatTemplateException if the template rejects the conversation (the message is not kept)
     */
    public Turn reply(String user, int maxTokens, Consumer<String> out, BooleanSupplier cancelled) {
        conversation.addUser(user);
        boolean chat = conversation.template() != BuiltinTemplate.COMPLETION;
        Consumer<String> shown = chat ? new LeadingSpaceTrimmer(out) : out;
        StringBuilder raw = new StringBuilder();
        Consumer<String> sink = text -> {
            raw.append(text);
            shown.accept(text);
        };

        int promptTokens = 0;
        int reused = -1;
        int generated = 0;
        long promptNanos = 0;
        long decodeNanos = 0;
        int dropped = 0;
        int reserve = reserve(maxTokens);
        refuseIfAloneTooLong();
        Generator.StopReason reason;
        while (true) {
            int[] ids;
            int droppedNow = 0;
            try {
                while (true) {
                    ids = tokenize(conversation.prompt() + raw);
                    if (ids.length + reserve <= session.capacity() || conversation.turns().size() <= 1) {
                        break;
                    }
                    conversation.dropOldestTurn();
                    droppedNow++;
                }
            } catch (ChatTemplateException e) {
                if (raw.isEmpty()) {
                    conversation.removeLastTurn();
                    throw e;
                }
                reason = Generator.StopReason.CONTEXT_FULL;
                break;
            }
            if (droppedNow > 0) {
                dropped += droppedNow;
                notices.accept("context window of " + session.capacity() + " tokens full: dropped the oldest "
                        + (droppedNow == 1 ? "exchange" : droppedNow + " exchanges") + " (system prompt kept)");
            }
            if (ids.length >= session.capacity()) {
                if (raw.isEmpty()) {
                    conversation.removeLastTurn();
                    throw new ContextFullException(ids.length + 1, session.capacity());
                }
                reason = Generator.StopReason.CONTEXT_FULL;
                break;
            }
            int prefix = Math.min(session.commonPrefix(ids), ids.length - 1);
            session.truncate(prefix);
            if (reused < 0) {
                reused = prefix;
            }
            int remaining = maxTokens < 0 ? -1 : maxTokens - generated;
            Generator.Result r = generator.generate(Arrays.copyOfRange(ids, prefix, ids.length), remaining,
                    conversation.template().stopStrings(), false, sink, cancelled);
            promptTokens += r.promptTokens();
            generated += r.generated().length;
            promptNanos += r.promptNanos();
            decodeNanos += r.decodeNanos();
            reason = r.reason();
            if (reason != Generator.StopReason.CONTEXT_FULL || conversation.turns().size() <= 1
                    || (maxTokens >= 0 && generated >= maxTokens)) {
                break;
            }
            // The window filled while answering: make room by forgetting old exchanges, then continue the answer.
            conversation.dropOldestTurn();
            dropped++;
            notices.accept("context window of " + session.capacity() + " tokens full: dropped the oldest exchange "
                    + "(system prompt kept) and continued the answer");
        }
        if (reason == Generator.StopReason.CANCELLED && raw.isEmpty()) {
            // Stopped before any answer text (while the prompt ran): as if the message had not been sent. The cache
            // keeps the prompt batches that ran; the next turn reuses whatever prefix of them still matches.
            conversation.removeLastTurn();
            return new Turn("", reason, promptTokens, Math.max(0, reused), generated, promptNanos, decodeNanos,
                    dropped, session.length());
        }
        String answer = chat ? raw.toString().strip() : raw.toString();
        conversation.addAssistant(answer);
        return new Turn(answer, reason, promptTokens, Math.max(0, reused), generated, promptNanos, decodeNanos,
                dropped, session.length());
    }

    /**
     * Removes the newest user message and throws when, even with every older exchange dropped, its prompt does not
     * leave a single free slot for the answer (checked before dropping anything, so a refused message costs nothing).
     */
    private void refuseIfAloneTooLong() {
        List<Message> alone = new ArrayList<>(2);
        conversation.systemPrompt().ifPresent(sys -> alone.add(Message.system(sys)));
        alone.add(conversation.turns().getLast());
        int needed;
        try {
            needed = tokenize(conversation.template().render(alone, true)).length;
        } catch (ChatTemplateException e) {
            conversation.removeLastTurn();
            throw e;
        }
        if (needed >= session.capacity()) {
            conversation.removeLastTurn();
            throw new ContextFullException(needed + 1, session.capacity());
        }
    }
}
