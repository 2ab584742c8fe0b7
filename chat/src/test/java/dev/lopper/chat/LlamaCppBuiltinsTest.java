package dev.lopper.chat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The llama-3 and Mistral built-ins against llama.cpp: the expected strings are the expectations of llama.cpp's
 * tests/test-chat-template.cpp (its six-message conversation with a system prompt, and its
 * {@code common_chat_format_single} cases); detection follows its {@code llm_chat_detect_template}.
 */
class LlamaCppBuiltinsTest {

    /** test-chat-template.cpp's conversation; rendered with the generation prompt. */
    private static final List<Message> CONVERSATION = List.of(
            Message.system("You are a helpful assistant"),
            Message.user("Hello"),
            Message.assistant("Hi there"),
            Message.user("Who are you"),
            Message.assistant("   I am an assistant   "),
            Message.user("Another question"));

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            llama3            | "<|start_header_id|>system<|end_header_id|>\\n\\nYou are a helpful assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\\n\\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\\n\\nHi there<|eot_id|><|start_header_id|>user<|end_header_id|>\\n\\nWho are you<|eot_id|><|start_header_id|>assistant<|end_header_id|>\\n\\nI am an assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\\n\\nAnother question<|eot_id|><|start_header_id|>assistant<|end_header_id|>\\n\\n"
            mistral-v1        | " [INST] You are a helpful assistant\\n\\nHello [/INST] Hi there</s> [INST] Who are you [/INST]    I am an assistant   </s> [INST] Another question [/INST]"
            mistral-v3        | "[INST] You are a helpful assistant\\n\\nHello[/INST] Hi there</s>[INST] Who are you[/INST] I am an assistant</s>[INST] Another question[/INST]"
            mistral-v3-tekken | "[INST]You are a helpful assistant\\n\\nHello[/INST]Hi there</s>[INST]Who are you[/INST]   I am an assistant   </s>[INST]Another question[/INST]"
            mistral-v7        | "[SYSTEM_PROMPT] You are a helpful assistant[/SYSTEM_PROMPT][INST] Hello[/INST] Hi there</s>[INST] Who are you[/INST]    I am an assistant   </s>[INST] Another question[/INST]"
            mistral           | "[INST] You are a helpful assistant\\nHello [/INST]Hi there</s>[INST] Who are you [/INST]   I am an assistant   </s>[INST] Another question [/INST]"
            """)
    void multiTurnWithASystemPromptRendersAsLlamaCpp(String name, String expected) {
        BuiltinTemplate t = ChatTemplates.byName(name);
        assertEquals(name, t.name());
        assertEquals(expected.replace("\\n", "\n"), t.render(CONVERSATION, true));
    }

    /**
     * llama.cpp's {@code common_chat_format_single}: what a new message adds to a rendered history (a system
     * message alone without the generation prompt; a user message after system/user/assistant with it).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            llama3            | "<|start_header_id|>system<|end_header_id|>\\n\\nYou are a helpful assistant<|eot_id|>" | "<|start_header_id|>user<|end_header_id|>\\n\\nHow are you<|eot_id|><|start_header_id|>assistant<|end_header_id|>\\n\\n"
            mistral-v1        | " [INST] You are a helpful assistant\\n\\n"                 | " [INST] How are you [/INST]"
            mistral-v3        | "[INST] You are a helpful assistant\\n\\n"                  | "[INST] How are you[/INST]"
            mistral-v3-tekken | "[INST]You are a helpful assistant\\n\\n"                   | "[INST]How are you[/INST]"
            mistral-v7        | "[SYSTEM_PROMPT] You are a helpful assistant[/SYSTEM_PROMPT]" | "[INST] How are you[/INST]"
            mistral           | "[INST] You are a helpful assistant\\n"                     | "[INST] How are you [/INST]"
            """)
    void singleMessagesAsLlamaCppFormatsThem(String name, String system, String user) {
        BuiltinTemplate t = ChatTemplates.byName(name);
        Message sys = Message.system("You are a helpful assistant");
        assertEquals(system.replace("\\n", "\n"), single(t, List.of(), sys, false));
        List<Message> history = List.of(sys, Message.user("Hello"), Message.assistant("I am assistant"));
        assertEquals(user.replace("\\n", "\n"), single(t, history, Message.user("How are you"), true));
    }

    /** What rendering {@code history + message} adds to rendering {@code history} alone. */
    private static String single(BuiltinTemplate t, List<Message> history, Message message, boolean cue) {
        String before = history.isEmpty() ? "" : t.render(history, false);
        List<Message> all = new ArrayList<>(history);
        all.add(message);
        String after = t.render(all, cue);
        assertEquals(before, after.substring(0, before.length()), "history renders the same");
        return after.substring(before.length());
    }

    @Test
    void llama3AliasAndStopStrings() {
        assertEquals(BuiltinTemplate.LLAMA_3, ChatTemplates.byName("Llama-3"));
        assertEquals(List.of("<|eot_id|>", "<|start_header_id|>"), BuiltinTemplate.LLAMA_3.stopStrings());
        assertEquals(List.of("</s>", "[INST]"), BuiltinTemplate.MISTRAL_V7.stopStrings());
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            "{% for m in messages %}{{ '<|start_header_id|>' + m['role'] + '<|end_header_id|>\\n\\n' + m['content'] | trim + '<|eot_id|>' }}{% endfor %}"      | llama3
            "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'system' %}{{ '[SYSTEM_PROMPT] ' + m['content'] + '[/SYSTEM_PROMPT]' }}{% elif m['role'] == 'user' %}{{ '[INST] ' + m['content'] + '[/INST]' }}{% endif %}{% endfor %}" | mistral-v7
            "{%- if loop.first and system_message is defined %}{{- ' [INST] ' + system_message + '\\n\\n' + message['content'] + ' [/INST]' }}{%- endif %}" | mistral-v1
            "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'user' %}{{ '[INST] ' + m['content'] + ' [/INST]' }}{% else %}{{ m['content'] + eos_token }}{% endif %}{% endfor %}" | mistral
            "{% for m in messages %}{% if loop.index0 == 0 %}{{ '[INST] <<SYS>>\\n' + m['content'] + '\\n<</SYS>>\\n\\n' }}{% endif %}{% endfor %}"          | llama-2
            "{% for m in messages %}{{'<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n'}}{% endfor %}"                                      | chatml
            mistral-v3                                                                                                                                       | mistral-v3
            """)
    void detectsTheFormatOfATemplateAsLlamaCppDoes(String source, String expected) {
        assertEquals(Optional.of(ChatTemplates.byName(expected)), ChatTemplates.detect(source.replace("\\n", "\n")));
    }

    @Test
    void mistralsOwnV3AndTekkenTemplatesAreToldApartByTheirQuotes() {
        String v3 = "{%- if tools %}{{- \"[AVAILABLE_TOOLS] [\" }}{%- endif %}"
                + "{{- \"[INST] \" + message[\"content\"] + \"[/INST]\" }}";
        String tekken = "{%- if tools %}{{- \"[AVAILABLE_TOOLS][\" }}{%- endif %}"
                + "{{- \"[INST]\" + message[\"content\"] + \"[/INST]\" }}";
        assertEquals(Optional.of(BuiltinTemplate.MISTRAL_V3), ChatTemplates.detect(v3));
        assertEquals(Optional.of(BuiltinTemplate.MISTRAL_V3_TEKKEN), ChatTemplates.detect(tekken));
    }

    @Test
    void formatsWithoutABuiltInAreNotDetected() {
        assertEquals(Optional.empty(), ChatTemplates.detect("{{ '<start_of_turn>' + role }}"), "Gemma");
        assertEquals(Optional.empty(), ChatTemplates.detect("<|im_start|>{{ role }}<|im_sep|>"), "Phi-4");
        assertEquals(Optional.empty(), ChatTemplates.detect("{{ messages[0]['content'] }}"));
        // llama.cpp checks Phi-3 before llama-3
        assertEquals(Optional.empty(),
                ChatTemplates.detect("<|assistant|><|end|><|start_header_id|><|end_header_id|>"));
    }

    @Test
    void withoutJinjaTheGgufTemplateIsReplacedByTheBuiltInItMatches() {
        String llama3 = "{{ bos_token }}{% for m in messages %}{{ '<|start_header_id|>' + m['role'] + "
                + "'<|end_header_id|>\\n\\n' + m['content'] | trim + '<|eot_id|>' }}{% endfor %}";
        ChatTemplate jinja = ChatTemplates.choose(Optional.of(llama3), Optional.empty(), Optional.empty(),
                Optional.empty(), "<|begin_of_text|>", "<|eot_id|>", true);
        assertEquals(JinjaTemplate.class, jinja.getClass());
        assertEquals(BuiltinTemplate.LLAMA_3, ChatTemplates.choose(Optional.of(llama3), Optional.empty(),
                Optional.empty(), Optional.empty(), "<|begin_of_text|>", "<|eot_id|>", false));
        // not recognised: the name guess, then completion, as without a template
        assertEquals(BuiltinTemplate.VICUNA_V1_1, ChatTemplates.choose(Optional.of("{{ x }}"),
                Optional.of("vicuna-7b"), Optional.empty(), Optional.empty(), "<s>", "</s>", false));
        assertEquals(BuiltinTemplate.COMPLETION, ChatTemplates.choose(Optional.of("{{ x }}"), Optional.empty(),
                Optional.empty(), Optional.empty(), "<s>", "</s>", false));
    }
}
