package dev.lopper.chat;

import dev.lopper.engine.Lopper;
import dev.lopper.engine.generate.ContextFullException;
import dev.lopper.engine.generate.Generator;
import dev.lopper.engine.Model;
import dev.lopper.engine.sampling.Sampler;
import dev.lopper.engine.sampling.SamplingParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Turn dropping and KV-cache prefix reuse of {@link ChatSession}, on the bundled 260K demo model. */
class ChatSessionTest {
    private static Model model;

    @BeforeAll
    static void load() throws Exception {
        model = Lopper.load(TestModels.demo(), Lopper.Options.defaults().withThreads(1));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static ChatSession chat(ChatTemplate template, String system, int ctx) {
        Sampler greedy = new Sampler(new SamplingParams(0, 40, 0.95f, 0.05f, 1, 64, 1), model.config().vocabSize());
        return new ChatSession(new Conversation(template, system), model.newSession(ctx), model.tokenizer(),
                greedy);
    }

    /** The cache holds exactly the rendered conversation's tokens (plus the answer's), in order. */
    private static void assertCacheMatchesConversation(ChatSession chat, ChatSession.Turn turn) {
        Conversation c = chat.conversation();
        List<Message> before = c.messages().subList(0, c.messages().size() - 1);
        int[] prompt = chat.tokenize(c.template().render(before, true));
        assertEquals(turn.totalPromptTokens(), prompt.length);
        int[] cached = chat.cachedTokenIds();
        assertArrayEquals(prompt, Arrays.copyOf(cached, prompt.length), "the cache starts with the prompt");
    }

    @Test
    void secondTurnRunsOnlyItsNewTokens() {
        ChatSession chat = chat(BuiltinTemplate.VICUNA_V1_1, null, 512);
        StringBuilder shown = new StringBuilder();
        ChatSession.Turn first = chat.reply("Tell me a story.", 12, shown::append, () -> false);
        assertEquals(0, first.reusedTokens());
        assertEquals(12, first.generatedTokens());
        assertEquals(first.answer(), shown.toString(), "what is shown is what is stored");
        assertEquals(first.answer(), first.answer().strip());
        assertCacheMatchesConversation(chat, first);

        ChatSession.Turn second = chat.reply("And then?", 12, s -> { }, () -> false);
        assertCacheMatchesConversation(chat, second);
        assertTrue(second.reusedTokens() >= first.totalPromptTokens(),
                "the first prompt (and part of the answer) comes from the cache: " + second);
        assertTrue(second.promptTokens() < second.totalPromptTokens() / 2, second.toString());
        assertEquals(4, chat.conversation().turns().size());
    }

    @Test
    void completionTemplateKeepsTheRawContinuation() {
        ChatSession chat = chat(BuiltinTemplate.COMPLETION, null, 256);
        StringBuilder shown = new StringBuilder();
        ChatSession.Turn t = chat.reply("Once upon a time", 8, shown::append, () -> false);
        assertTrue(t.answer().startsWith(", there was"), t.answer());
        assertEquals(t.answer(), shown.toString());
    }

    @Test
    void fullWindowDropsOldestTurnsKeepsSystemPromptAndGoesOn() {
        ChatSession chat = chat(BuiltinTemplate.ALPACA, "Be brief.", 96);
        List<String> notices = new ArrayList<>();
        chat.onNotice(notices::add);
        int dropped = 0;
        for (int i = 0; i < 6; i++) {
            ChatSession.Turn t = chat.reply("Tell me about the little dog number " + i + " in the park.", 16,
                    s -> { }, () -> false);
            dropped += t.droppedTurns();
            assertTrue(chat.cachedTokens() <= 96);
            assertCacheMatchesConversation(chat, t);
        }
        assertTrue(dropped > 0, "old turns were dropped");
        assertFalse(notices.isEmpty());
        assertTrue(notices.getFirst().contains("dropped the oldest"), notices.getFirst());
        Conversation c = chat.conversation();
        assertEquals("Be brief.", c.systemPrompt().orElseThrow());
        assertEquals(Message.Role.USER, c.turns().getFirst().role());
        assertTrue(c.turns().getLast().role() == Message.Role.ASSISTANT);
        assertTrue(c.turns().get(c.turns().size() - 2).content().contains("number 5"));
        assertFalse(c.turns().getFirst().content().contains("number 0"));
    }

    @Test
    void messageTooLongForTheWindowIsRefusedAndTheChatGoesOn() {
        ChatSession chat = chat(BuiltinTemplate.COMPLETION, null, 32);
        chat.reply("Once upon a time", 4, s -> { }, () -> false);
        int turns = chat.conversation().turns().size();
        String longText = "The big dog ran to the park and played with the ball all day long. ".repeat(4);
        ContextFullException e = assertThrows(ContextFullException.class,
                () -> chat.reply(longText, 4, s -> { }, () -> false));
        assertTrue(e.getMessage().contains("context of 32"), e.getMessage());
        assertTrue(chat.conversation().turns().stream().noneMatch(m -> m.content().equals(longText.strip())));
        assertEquals(turns, chat.conversation().turns().size(), "nothing was dropped for a refused message");
        ChatSession.Turn next = chat.reply("The cat", 4, s -> { }, () -> false);
        assertEquals(4, next.generatedTokens());
    }

    @Test
    void windowFillingDuringAnAnswerDropsOldTurnsAndContinues() {
        ChatSession chat = chat(BuiltinTemplate.COMPLETION, null, 64);
        List<String> notices = new ArrayList<>();
        chat.onNotice(notices::add);
        chat.reply("Once upon a time", 20, s -> { }, () -> false);
        ChatSession.Turn t = chat.reply(" The dog", -1, s -> { }, () -> false);
        assertTrue(t.droppedTurns() >= 1, t.toString());
        assertFalse(notices.isEmpty());
        assertTrue(t.generatedTokens() > 0);
        assertEquals(Generator.StopReason.CONTEXT_FULL, t.reason(), "a story longer than the window is cut");
    }

    @Test
    void cancelledAnswerStaysInTheConversation() {
        ChatSession chat = chat(BuiltinTemplate.COMPLETION, null, 128);
        StringBuilder shown = new StringBuilder();
        // Ctrl-C right after the first text appeared
        ChatSession.Turn t = chat.reply("Once upon a time", 50, shown::append, () -> !shown.isEmpty());
        assertEquals(Generator.StopReason.CANCELLED, t.reason());
        assertEquals(1, t.generatedTokens());
        assertEquals(shown.toString(), t.answer());
        assertEquals(Message.assistant(t.answer()), chat.conversation().turns().getLast());
    }

    /**
     * Ctrl-C while a long message's prompt runs: it stops between batches, nothing is shown, the message is not
     * kept, the cache holds only the batches that ran (a prefix of the prompt), and the next message works and
     * reuses that prefix.
     */
    @Test
    void cancelWhileThePromptRunsDropsTheMessageAndKeepsTheChatUsable() throws Exception {
        ChatSession chat = chat(BuiltinTemplate.VICUNA_V1_1, null, 512);
        String longMessage = "Tell me about the little dog named Max who liked to run in the park. ".repeat(10);
        int[] prompt = chat.tokenize(new Conversation(BuiltinTemplate.VICUNA_V1_1, null).addUser(longMessage)
                .prompt());
        assertTrue(prompt.length > 3 * 64, "prompt of " + prompt.length + " tokens");
        var cancelled = new java.util.concurrent.atomic.AtomicBoolean();
        int[] checks = {0};
        Thread canceller = Thread.ofPlatform().unstarted(() -> cancelled.set(true));
        StringBuilder shown = new StringBuilder();
        ChatSession.Turn t = chat.send(longMessage, shown::append, () -> {
            if (++checks[0] == 2) { // the other thread presses Ctrl-C while the second check is made
                canceller.start();
                try {
                    canceller.join();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
            return cancelled.get();
        });
        assertEquals(Generator.StopReason.CANCELLED, t.reason());
        assertEquals("", t.answer());
        assertEquals("", shown.toString(), "nothing shown");
        assertEquals(2, checks[0], "stopped at the first check after the cancel");
        assertEquals(128, t.promptTokens(), "two batches of 64 ran");
        assertEquals(128, chat.cachedTokens());
        assertArrayEquals(Arrays.copyOf(prompt, 128), chat.cachedTokenIds(), "the cache is a prefix of the prompt");
        assertTrue(chat.conversation().turns().isEmpty(), "the message is not kept");

        ChatSession.Turn next = chat.send(longMessage, s -> { });
        assertEquals(128, next.reusedTokens(), "the batches that ran are reused");
        assertEquals(prompt.length - 128, next.promptTokens());
        assertTrue(next.generatedTokens() > 0);
        assertCacheMatchesConversation(chat, next);
    }

    @Test
    void resetKeepsTheSystemPromptCached() {
        ChatSession chat = chat(BuiltinTemplate.VICUNA_V1_1, "You are a storyteller.", 256);
        ChatSession.Turn first = chat.reply("Hi", 4, s -> { }, () -> false);
        chat.reset();
        assertTrue(chat.conversation().turns().isEmpty());
        ChatSession.Turn again = chat.reply("Hi", 4, s -> { }, () -> false);
        assertEquals(first.totalPromptTokens() - 1, again.reusedTokens(), "all but the last prompt token reused");
        assertEquals(first.answer(), again.answer());
    }
}
