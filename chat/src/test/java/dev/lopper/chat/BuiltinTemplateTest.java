package dev.lopper.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Golden renderings. Every expected string is written by hand from the format's definition (FastChat's
 * conversation.py, the Alpaca prompt, Meta's Llama-2-chat format, ChatML, zephyr-7b-beta), not produced by the code.
 */
class BuiltinTemplateTest {

    static final List<Message> SINGLE = List.of(Message.user("Hello!"));
    static final List<Message> MULTI = List.of(
            Message.system("You are a pirate."),
            Message.user("Hi"),
            Message.assistant("Arr, hello."),
            Message.user("Where is the treasure?"));
    static final List<Message> ENDS_WITH_ASSISTANT = List.of(
            Message.system("You are a pirate."),
            Message.user("Hi"),
            Message.assistant("Arr, hello."));

    static final String VICUNA_SYSTEM = "A chat between a curious user and an artificial intelligence assistant. "
            + "The assistant gives helpful, detailed, and polite answers to the user's questions.";
    static final String ALPACA_SYSTEM = "Below is an instruction that describes a task. "
            + "Write a response that appropriately completes the request.";

    @Test
    void vicunaSingleTurnWithGenerationPrompt() {
        ChatTemplate t = BuiltinTemplate.VICUNA_V1_1;
        assertEquals(VICUNA_SYSTEM + " USER: Hello! ASSISTANT:", t.render(SINGLE, true));
    }

    @Test
    void vicunaSingleTurnWithoutGenerationPrompt() {
        ChatTemplate t = BuiltinTemplate.VICUNA_V1_1;
        assertEquals(VICUNA_SYSTEM + " USER: Hello! ", t.render(SINGLE, false));
    }

    @Test
    void vicunaMultiTurnWithSystem() {
        ChatTemplate t = BuiltinTemplate.VICUNA_V1_1;
        assertEquals("You are a pirate. USER: Hi ASSISTANT: Arr, hello.</s>USER: Where is the treasure? ASSISTANT:",
                t.render(MULTI, true));
        assertEquals("You are a pirate. USER: Hi ASSISTANT: Arr, hello.</s>USER: Where is the treasure? ",
                t.render(MULTI, false));
    }

    @Test
    void vicunaEndsWithAssistant() {
        ChatTemplate t = BuiltinTemplate.VICUNA_V1_1;
        assertEquals("You are a pirate. USER: Hi ASSISTANT: Arr, hello.</s>",
                t.render(ENDS_WITH_ASSISTANT, false));
    }

    @Test
    void vicunaMetadata() {
        ChatTemplate t = BuiltinTemplate.VICUNA_V1_1;
        assertEquals("vicuna_v1.1", t.name());
        assertEquals(Optional.of(VICUNA_SYSTEM), t.defaultSystemPrompt());
        assertTrue(t.stopStrings().contains("USER:"));
    }

    @Test
    void vicunaSystemMessageLaterIsRejected() {
        ChatTemplate t = BuiltinTemplate.VICUNA_V1_1;
        List<Message> m = List.of(Message.user("a"), Message.system("b"));
        assertThrows(ChatTemplateException.class, () -> t.render(m, true));
    }

    @Test
    void alpacaSingleTurnIsTheStanfordAlpacaPrompt() {
        ChatTemplate t = BuiltinTemplate.ALPACA;
        assertEquals("Below is an instruction that describes a task. Write a response that appropriately "
                        + "completes the request.\n\n### Instruction:\nHello!\n\n### Response:\n",
                t.render(SINGLE, true));
    }

    @Test
    void alpacaSingleTurnWithoutGenerationPrompt() {
        ChatTemplate t = BuiltinTemplate.ALPACA;
        assertEquals(ALPACA_SYSTEM + "\n\n### Instruction:\nHello!\n\n", t.render(SINGLE, false));
    }

    @Test
    void alpacaMultiTurnWithSystem() {
        ChatTemplate t = BuiltinTemplate.ALPACA;
        assertEquals("You are a pirate.\n\n### Instruction:\nHi\n\n### Response:\nArr, hello.\n\n"
                + "### Instruction:\nWhere is the treasure?\n\n### Response:\n", t.render(MULTI, true));
        assertEquals("You are a pirate.\n\n### Instruction:\nHi\n\n### Response:\nArr, hello.\n\n"
                + "### Instruction:\nWhere is the treasure?\n\n", t.render(MULTI, false));
    }

    @Test
    void alpacaMetadata() {
        ChatTemplate t = BuiltinTemplate.ALPACA;
        assertEquals("alpaca", t.name());
        assertEquals(Optional.of(ALPACA_SYSTEM), t.defaultSystemPrompt());
        assertTrue(t.stopStrings().contains("### Instruction:"));
    }

    @Test
    void llama2SingleTurn() {
        ChatTemplate t = BuiltinTemplate.LLAMA_2;
        assertEquals("[INST] Hello! [/INST]", t.render(SINGLE, true));
        // The user turn already ends with the cue: the generation prompt adds nothing.
        assertEquals("[INST] Hello! [/INST]", t.render(SINGLE, false));
    }

    @Test
    void llama2MultiTurnWithSystem() {
        ChatTemplate t = BuiltinTemplate.LLAMA_2;
        String expected = "[INST] <<SYS>>\nYou are a pirate.\n<</SYS>>\n\nHi [/INST] Arr, hello. </s>"
                + "<s>[INST] Where is the treasure? [/INST]";
        assertEquals(expected, t.render(MULTI, true));
        assertEquals(expected, t.render(MULTI, false));
    }

    @Test
    void llama2EndsWithAssistant() {
        ChatTemplate t = BuiltinTemplate.LLAMA_2;
        assertEquals("[INST] <<SYS>>\nYou are a pirate.\n<</SYS>>\n\nHi [/INST] Arr, hello. </s>",
                t.render(ENDS_WITH_ASSISTANT, false));
    }

    @Test
    void llama2ContentIsStripped() {
        ChatTemplate t = BuiltinTemplate.LLAMA_2;
        List<Message> m = List.of(Message.user("  Hello!\n"), Message.assistant("\tHi \n"), Message.user(" x"));
        assertEquals("[INST] Hello! [/INST] Hi </s><s>[INST] x [/INST]", t.render(m, true));
    }

    @Test
    void llama2RolesMustAlternate() {
        ChatTemplate t = BuiltinTemplate.LLAMA_2;
        List<Message> m = List.of(Message.user("a"), Message.user("b"));
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> t.render(m, true));
        assertTrue(e.getMessage().contains("alternate"), e.getMessage());
        List<Message> assistantFirst = List.of(Message.assistant("a"));
        assertThrows(ChatTemplateException.class, () -> t.render(assistantFirst, true));
    }

    @Test
    void llama2DoesNotStartWithBos() {
        ChatTemplate t = BuiltinTemplate.LLAMA_2;
        assertTrue(!t.render(MULTI, true).startsWith("<s>"));
        assertEquals(Optional.empty(), t.defaultSystemPrompt());
        assertTrue(t.stopStrings().contains("[INST]"));
    }

    @Test
    void chatmlSingleTurn() {
        ChatTemplate t = BuiltinTemplate.CHATML;
        assertEquals("<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n", t.render(SINGLE, true));
        assertEquals("<|im_start|>user\nHello!<|im_end|>\n", t.render(SINGLE, false));
    }

    @Test
    void chatmlMultiTurnWithSystem() {
        ChatTemplate t = BuiltinTemplate.CHATML;
        assertEquals("<|im_start|>system\nYou are a pirate.<|im_end|>\n"
                + "<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\nArr, hello.<|im_end|>\n"
                + "<|im_start|>user\nWhere is the treasure?<|im_end|>\n"
                + "<|im_start|>assistant\n", t.render(MULTI, true));
    }

    @Test
    void chatmlMatchesLlamaCppTestCase() {
        ChatTemplate t = BuiltinTemplate.CHATML;
        // tests/test-chat-template.cpp, "teknium/OpenHermes-2.5-Mistral-7B", expected_output.
        assertEquals("<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n"
                + "<|im_start|>assistant\nHi there<|im_end|>\n<|im_start|>user\nWho are you<|im_end|>\n"
                + "<|im_start|>assistant\n   I am an assistant   <|im_end|>\n<|im_start|>user\nAnother question"
                + "<|im_end|>\n<|im_start|>assistant\n", t.render(LLAMA_CPP_CONVERSATION, true));
    }

    @Test
    void chatmlMetadata() {
        ChatTemplate t = BuiltinTemplate.CHATML;
        assertEquals("chatml", t.name());
        assertTrue(t.stopStrings().contains("<|im_end|>"));
    }

    @Test
    void zephyrSingleTurn() {
        ChatTemplate t = BuiltinTemplate.ZEPHYR;
        assertEquals("<|user|>\nHello!</s>\n<|assistant|>\n", t.render(SINGLE, true));
        assertEquals("<|user|>\nHello!</s>\n", t.render(SINGLE, false));
    }

    @Test
    void zephyrMultiTurnWithSystem() {
        ChatTemplate t = BuiltinTemplate.ZEPHYR;
        assertEquals("<|system|>\nYou are a pirate.</s>\n<|user|>\nHi</s>\n<|assistant|>\nArr, hello.</s>\n"
                + "<|user|>\nWhere is the treasure?</s>\n<|assistant|>\n", t.render(MULTI, true));
        assertEquals("<|system|>\nYou are a pirate.</s>\n<|user|>\nHi</s>\n<|assistant|>\nArr, hello.</s>\n",
                t.render(ENDS_WITH_ASSISTANT, false));
    }

    @Test
    void completionConcatenatesTextWithoutMarkup() {
        ChatTemplate t = BuiltinTemplate.COMPLETION;
        assertEquals("Hello!", t.render(SINGLE, true));
        assertEquals("Hello!", t.render(SINGLE, false));
        List<Message> m = List.of(Message.user("The capital of France is"), Message.assistant(" Paris."),
                Message.user(" The capital of Spain is"));
        assertEquals("The capital of France is Paris. The capital of Spain is", t.render(m, true));
        assertEquals(List.of(), t.stopStrings());
    }

    @Test
    void valuesAndNames() {
        assertEquals(List.of("vicuna_v1.1", "alpaca", "llama-2", "chatml", "zephyr", "llama3", "mistral-v1",
                        "mistral-v3", "mistral-v3-tekken", "mistral-v7", "mistral", "completion"),
                BuiltinTemplate.values().stream().map(ChatTemplate::name).toList());
        for (BuiltinTemplate t : BuiltinTemplate.values()) {
            assertEquals(t.name(), t.toString());
        }
    }

    /** The conversation of llama.cpp's tests/test-chat-template.cpp. */
    static final List<Message> LLAMA_CPP_CONVERSATION = List.of(
            Message.system("You are a helpful assistant"),
            Message.user("Hello"),
            Message.assistant("Hi there"),
            Message.user("Who are you"),
            Message.assistant("   I am an assistant   "),
            Message.user("Another question"));
}
