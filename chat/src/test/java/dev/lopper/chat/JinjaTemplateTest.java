package dev.lopper.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Real chat templates (exact {@code chat_template} strings, in src/test/resources/chat) rendered with Jinjava, compared
 * with the built-in formats and with hand-written expected text.
 */
class JinjaTemplateTest {

    static String resource(String name) {
        try (InputStream in = JinjaTemplateTest.class.getResourceAsStream("/chat/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource /chat/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JinjaTemplate template(String resource) {
        return new JinjaTemplate(resource, resource(resource), "<s>", "</s>");
    }

    static List<List<Message>> conversations() {
        return List.of(
                BuiltinTemplateTest.SINGLE,
                BuiltinTemplateTest.MULTI,
                BuiltinTemplateTest.ENDS_WITH_ASSISTANT,
                BuiltinTemplateTest.LLAMA_CPP_CONVERSATION,
                List.of(Message.user("  padded  "), Message.assistant("\n reply \t"), Message.user("ünïcödé 🦙")));
    }

    // Equal to the built-ins ---------------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("conversations")
    void officialLlama2TemplateIsBosPlusBuiltin(List<Message> messages) {
        JinjaTemplate jinja = template("llama-2-chat.jinja");
        for (boolean gen : new boolean[] {true, false}) {
            String rendered = jinja.render(messages, gen);
            assertEquals("<s>" + BuiltinTemplate.LLAMA_2.render(messages, gen), rendered);
            // The template writes BOS itself; the built-in leaves it to the tokenizer. Either way: one BOS.
            assertFalse(ChatTemplates.shouldAddBos(rendered, "<s>", true));
            assertTrue(ChatTemplates.shouldAddBos(BuiltinTemplate.LLAMA_2.render(messages, gen), "<s>", true));
        }
    }

    @Test
    void officialLlama2OnLlamaCppConversation() {
        assertEquals("<s>[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\nHello [/INST] Hi there </s>"
                        + "<s>[INST] Who are you [/INST] I am an assistant </s><s>[INST] Another question [/INST]",
                template("llama-2-chat.jinja").render(BuiltinTemplateTest.LLAMA_CPP_CONVERSATION, true));
    }

    @ParameterizedTest
    @MethodSource("conversations")
    void zephyrTemplateEqualsBuiltin(List<Message> messages) {
        JinjaTemplate jinja = template("zephyr-7b-beta.jinja");
        assertEquals(BuiltinTemplate.ZEPHYR.render(messages, true), jinja.render(messages, true));
        assertEquals(BuiltinTemplate.ZEPHYR.render(messages, false), jinja.render(messages, false));
    }

    @ParameterizedTest
    @MethodSource("conversations")
    void chatmlTemplateEqualsBuiltin(List<Message> messages) {
        JinjaTemplate jinja = template("chatml-openhermes-2.5.jinja");
        assertEquals(BuiltinTemplate.CHATML.render(messages, true), jinja.render(messages, true));
        assertEquals(BuiltinTemplate.CHATML.render(messages, false), jinja.render(messages, false));
    }

    @ParameterizedTest
    @MethodSource("conversations")
    void vicunaStyleTemplateEqualsBuiltin(List<Message> messages) {
        // Hand-written FastChat vicuna_v1.1 template using namespace(), slicing, .startswith/.endswith.
        JinjaTemplate jinja = template("vicuna_v1.1-handwritten.jinja");
        assertEquals(BuiltinTemplate.VICUNA_V1_1.render(messages, true), jinja.render(messages, true));
        assertEquals(BuiltinTemplate.VICUNA_V1_1.render(messages, false), jinja.render(messages, false));
    }

    @Test
    void llamaCppVicunaTemplateWithWhitespaceControl() {
        // tests/test-chat-template.cpp, "eachadea/vicuna-13b-1.1", expected_output.
        assertEquals("You are a helpful assistant\n\nUSER: Hello\nASSISTANT: Hi there</s>\nUSER: Who are you\n"
                        + "ASSISTANT:    I am an assistant   </s>\nUSER: Another question\nASSISTANT:",
                template("vicuna-13b-1.1-llamacpp.jinja").render(BuiltinTemplateTest.LLAMA_CPP_CONVERSATION, true));
    }

    // raise_exception ----------------------------------------------------------------------------------------------

    @Test
    void raiseExceptionSurfacesAsClearError() {
        JinjaTemplate jinja = template("llama-2-chat.jinja");
        List<Message> bad = List.of(Message.user("a"), Message.user("b"));
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> jinja.render(bad, true));
        assertEquals("chat template 'llama-2-chat.jinja' rejected the conversation: "
                + "Conversation roles must alternate user/assistant/user/assistant/...", e.getMessage());
    }

    @Test
    void gemmaRejectsSystemRoleAndTrimsContent() {
        JinjaTemplate jinja = new JinjaTemplate("gemma", resource("gemma-7b-it.jinja"), "<bos>", "<eos>");
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> jinja.render(BuiltinTemplateTest.MULTI, true));
        assertTrue(e.getMessage().endsWith("System role not supported"), e.getMessage());
        List<Message> m = List.of(Message.user(" Hello "), Message.assistant("  Hi\n"), Message.user("Bye"));
        assertEquals("<bos><start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\nHi<end_of_turn>\n"
                + "<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n", jinja.render(m, true));
    }

    @Test
    void raiseAfterOutputStillFails() {
        JinjaTemplate jinja = new JinjaTemplate("t", "text {{ raise_exception('stop here') }} more", "<s>", "</s>");
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> jinja.render(BuiltinTemplateTest.SINGLE, true));
        assertTrue(e.getMessage().endsWith("stop here"), e.getMessage());
        // The next render on the same thread is not affected.
        assertEquals("ok", new JinjaTemplate("u", "ok", "", "").render(List.of(), true));
    }

    @Test
    void unsupportedSyntaxIsAClearError() {
        JinjaTemplate jinja = new JinjaTemplate("t", "{{ messages[0]['content'].no_such_method() }}", "", "");
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> jinja.render(BuiltinTemplateTest.SINGLE, true));
        assertTrue(e.getMessage().startsWith("chat template 't' cannot be rendered"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    // Python-isms real templates use ------------------------------------------------------------------------------

    static String render(String source, List<Message> messages) {
        return new JinjaTemplate("t", source, "<s>", "</s>").render(messages, true);
    }

    @Test
    void pythonStringMethods() {
        List<Message> m = List.of(Message.user("  Hello, World  "));
        assertEquals("Hello, World|Hello, World  |  Hello, World",
                render("{% set c = messages[0].content %}{{ c.strip() }}|{{ c.lstrip() }}|{{ c.rstrip() }}", m));
        assertEquals("True-False", render("{{ 'abc'.startswith('ab') }}-{{ 'abc'.endswith('x') }}", m)
                .replace("true", "True").replace("false", "False"));
        assertEquals("ABC|abc|Hello World|Hello", render("{{ 'aBc'.upper() }}|{{ 'aBc'.lower() }}|"
                + "{{ 'hello world'.title() }}|{{ 'hELLO'.capitalize() }}", m));
        assertEquals("3|a-b-c|xbc|1|2", render("{{ 'a b  c'.split() | length }}|{{ '-'.join('a,b,c'.split(',')) }}|"
                + "{{ 'abc'.replace('a', 'x') }}|{{ 'abc'.find('b') }}|{{ 'banana'.count('an') }}", m));
        assertEquals("xx", render("{{ '..xx..'.strip('.') }}", m));
        assertEquals("true", render("{{ 'abc'.startswith(['x', 'a']) }}", m));
    }

    @Test
    void loopSlicingNamespaceAndTests() {
        List<Message> m = BuiltinTemplateTest.MULTI;
        assertEquals("[first:system][user][assistant][last:user]", render("{% for x in messages %}[{% if loop.first %}"
                + "first:{% endif %}{% if loop.last %}last:{% endif %}{{ x.role }}]{% endfor %}", m));
        assertEquals("3:user", render("{{ messages[1:] | length }}:{{ messages[-1]['role'] }}", m));
        assertEquals("2", render("{% set ns = namespace(n=0) %}{% for x in messages %}{% if x.role == 'user' %}"
                + "{% set ns.n = ns.n + 1 %}{% endif %}{% endfor %}{{ ns.n }}", m));
        assertEquals("yes|no", render("{{ 'yes' if add_generation_prompt is defined else 'no' }}|"
                + "{{ 'yes' if tools is defined else 'no' }}", m));
        assertEquals("Hello", render("{{ '  Hello \n' | trim }}", m));
    }

    @Test
    void tojsonMatchesPython() {
        List<Message> m = List.of(Message.user("say \"hi\"\nü"));
        // json.dumps(messages[0], ensure_ascii=False)
        assertEquals("{\"role\": \"user\", \"content\": \"say \\\"hi\\\"\\nü\"}", render("{{ messages[0] | tojson }}", m));
        // json.dumps([1, {"a": true}], indent=2)
        assertEquals("[\n  1,\n  {\n    \"a\": true\n  }\n]", render("{{ [1, {'a': true}] | tojson(indent=2) }}", m));
        assertEquals("[]|{}", render("{{ [] | tojson }}|{{ {} | tojson }}", m));
    }

    @Test
    void dictItems() {
        assertEquals("role=user;content=x;", render("{% for k, v in messages[0].items() %}{{ k }}={{ v }};{% endfor %}",
                List.of(Message.user("x"))));
    }

    @Test
    void strftime() {
        ZonedDateTime t = ZonedDateTime.of(2024, 7, 5, 14, 3, 9, 0, ZoneOffset.UTC);
        assertEquals("05 Jul 2024 14:03:09 PM %", JinjaSupport.strftime(t, "%d %b %Y %H:%M:%S %p %%"));
        assertTrue(render("{{ strftime_now('%Y') }}", List.of()).matches("\\d{4}"));
    }

    @Test
    void textIsReturnedAsRendered() {
        JinjaTemplate jinja = new JinjaTemplate("t", "{{ bos_token }}{{ messages[0].content }}{{ eos_token }}",
                "<s>", "</s>");
        String text = jinja.render(BuiltinTemplateTest.SINGLE, true);
        assertEquals("<s>Hello!</s>", text);
        assertFalse(ChatTemplates.shouldAddBos(text, "<s>", true));
    }

    @Test
    void stopStringsAreGuessedFromTheTemplate() {
        assertEquals(List.of("[INST]", "</s>"), template("llama-2-chat.jinja").stopStrings());
        assertEquals(List.of("<|im_end|>"), template("chatml-openhermes-2.5.jinja").stopStrings());
        assertEquals(List.of("<|user|>", "</s>"), template("zephyr-7b-beta.jinja").stopStrings());
        assertTrue(template("vicuna_v1.1-handwritten.jinja").stopStrings().contains("USER:"));
        assertEquals("gguf", new JinjaTemplate("x", "<s>", "</s>").name());
    }
}
