package dev.lopper.server;

import dev.lopper.chat.BuiltinTemplate;
import dev.lopper.chat.ChatTemplate;
import dev.lopper.chat.ChatTemplateException;
import dev.lopper.chat.ChatTemplates;
import dev.lopper.chat.LeadingSpaceTrimmer;
import dev.lopper.engine.Model;
import dev.lopper.engine.generate.Generator;
import dev.lopper.engine.generate.Session;
import dev.lopper.engine.generate.SessionBatcher;
import dev.lopper.engine.sampling.Sampler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The model side of the server: renders and tokenizes requests, hands them a slot, and generates. The slots'
 * sessions share one {@link SessionBatcher}, so all active slots advance in one forward pass per step.
 */
final class ModelService implements AutoCloseable {

    /**
     * What a generation did.
     *
     * @param finishReason {@code stop} (end of text or a stop string) or {@code length} (token limit or full context)
     */
    record Outcome(String finishReason, int promptTokens, int completionTokens, int reusedTokens) {
    }

    private final Model model;
    private final ChatTemplate template;
    private final SessionBatcher batcher;
    private final SlotPool slots;
    private final int slotContext;
    private final Object tokenizing = new Object();
    private volatile boolean stopping;
    private final AtomicLong generatedTokens = new AtomicLong();
    private final AtomicLong cancelled = new AtomicLong();
    private volatile Runnable afterText = () -> { };

    ModelService(Model model, ServerOptions options) {
        this.model = model;
        this.template = ChatTemplates.forModel(model.metadata(), model.tokenizer().vocabulary(), options.template());
        this.slotContext = model.contextSize() / options.parallel();
        if (slotContext < 8) {
            throw new IllegalArgumentException("--ctx-size " + model.contextSize() + " split over " + options.parallel()
                    + " slots leaves " + slotContext + " tokens each; raise --ctx-size or lower --parallel");
        }
        this.batcher = model.newBatcher(slotContext);
        List<Session> sessions = new ArrayList<>();
        for (int i = 0; i < options.parallel(); i++) {
            sessions.add(batcher.newSession());
        }
        this.slots = new SlotPool(sessions, options.queue());
    }

    String modelName() {
        return model.name();
    }

    Model model() {
        return model;
    }

    ChatTemplate template() {
        return template;
    }

    int slotContext() {
        return slotContext;
    }

    SlotPool slots() {
        return slots;
    }

    SessionBatcher batcher() {
        return batcher;
    }

    /** The prompt tokens of a request; a 400 when the template rejects it or it does not fit a slot. */
    int[] prompt(CompletionRequest r) {
        int[] ids;
        synchronized (tokenizing) { // templates and tokenizers are not promised to be thread-safe
            if (r.messages() != null) {
                String text;
                try {
                    text = template.render(r.messages(), true);
                } catch (ChatTemplateException e) {
                    throw ApiException.badRequest("the chat template cannot render these messages: "
                            + e.getMessage(), "messages");
                }
                ids = ChatTemplates.encodePrompt(model.tokenizer(), text);
            } else {
                ids = model.tokenizer().encode(r.prompt(), true, false);
            }
        }
        if (ids.length == 0) {
            ids = new int[]{model.tokenizer().bos()};
        }
        if (ids.length >= slotContext) {
            throw new ApiException(400, "invalid_request_error", "the prompt is " + ids.length
                    + " tokens but a slot's context holds " + slotContext + " (prompt and answer together)",
                    r.messages() != null ? "messages" : "prompt", "context_length_exceeded");
        }
        return ids;
    }

    /**
     * Waits for a slot and generates the answer to {@code prompt}, streaming its text to {@code out}.
     *
     * @param admitted run once the request holds a slot or a place in line (it will not get a 429 any more)
     * @param gone     true once the client has gone: polled while queued (every {@link SlotPool#POLL_MILLIS}),
     *                 between prompt batches and after every token
     * @return null when the client went away (or the server stopped) before the answer was done
     */
    Outcome generate(CompletionRequest r, int[] prompt, Consumer<String> out, Runnable admitted,
                     BooleanSupplier gone) throws SlotPool.QueueFullException {
        Session session;
        try {
            session = slots.acquire(prompt, admitted, () -> stopping || gone.getAsBoolean());
        } catch (SlotPool.GaveUpException e) {
            return null;
        }
        try {
            int reused = Math.min(session.commonPrefix(prompt), prompt.length - 1);
            session.truncate(reused);
            int room = slotContext - prompt.length;
            int max = r.maxTokens() == null ? room : Math.min(r.maxTokens(), room);
            boolean chat = r.messages() != null;
            List<String> stops = new ArrayList<>(r.stop());
            if (chat) {
                stops.addAll(template.stopStrings());
            }
            Consumer<String> sent = text -> {
                out.accept(text);
                afterText.run();
            };
            Consumer<String> shown = chat && template != BuiltinTemplate.COMPLETION ? new LeadingSpaceTrimmer(sent)
                    : sent;
            Sampler sampler = new Sampler(r.sampling(), model.config().vocabSize());
            Generator.Result result = new Generator(session, model.tokenizer(), sampler).generate(
                    Arrays.copyOfRange(prompt, reused, prompt.length), max, stops, false, shown,
                    () -> stopping || gone.getAsBoolean());
            generatedTokens.addAndGet(result.generated().length);
            if (result.reason() == Generator.StopReason.CANCELLED) {
                cancelled.incrementAndGet();
                return null;
            }
            String finish = switch (result.reason()) {
                case LENGTH, CONTEXT_FULL -> "length";
                default -> "stop";
            };
            return new Outcome(finish, prompt.length, result.generated().length, reused);
        } finally {
            slots.release(session);
        }
    }

    /**
     * Test seam: runs on a request's thread after each piece of answer text it hands on. Tests slow answers down
     * with it, so that a browser can stop one mid-stream; nothing else sets it.
     */
    void afterText(Runnable hook) {
        afterText = hook;
    }

    /** Tokens generated so far, over all requests. */
    long generatedTokens() {
        return generatedTokens.get();
    }

    /** Generations stopped because their client left (or the server stopped). */
    long cancelled() {
        return cancelled.get();
    }

    /** Running generations stop at their next token; waiting ones give up. */
    void stop() {
        stopping = true;
        slots.close();
    }

    @Override
    public void close() {
        stop();
        batcher.close();
    }
}
