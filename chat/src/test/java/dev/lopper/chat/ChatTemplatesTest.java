package dev.lopper.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChatTemplatesTest {

    static final Optional<String> NONE = Optional.empty();
    static final String GGUF = "{% for m in messages %}{{ m.content }}{% endfor %}";

    @Test
    void ggufTemplateWinsOverName() {
        ChatTemplate t = ChatTemplates.choose(Optional.of(GGUF), Optional.of("vicuna-7b"), NONE, NONE);
        JinjaTemplate jinja = assertInstanceOf(JinjaTemplate.class, t);
        assertEquals(GGUF, jinja.source());
        assertEquals("<s>", jinja.bosToken());
        assertEquals("</s>", jinja.eosToken());
        assertEquals("gguf", t.name());
    }

    @Test
    void bosAndEosArePassedToTheJinjaTemplate() {
        JinjaTemplate t = (JinjaTemplate) ChatTemplates.choose(Optional.of("{{ bos_token }}x{{ eos_token }}"), NONE,
                NONE, NONE, "<|begin_of_text|>", "<|eot_id|>");
        assertEquals("<|begin_of_text|>x<|eot_id|>", t.render(BuiltinTemplateTest.SINGLE, true));
    }

    @Test
    void overrideWinsOverEverything() {
        assertSame(BuiltinTemplate.CHATML,
                ChatTemplates.choose(Optional.of(GGUF), Optional.of("vicuna-7b"), NONE, Optional.of("chatml")));
        assertSame(BuiltinTemplate.COMPLETION,
                ChatTemplates.choose(Optional.of(GGUF), NONE, NONE, Optional.of("completion")));
    }

    @Test
    void autoOverrideMeansNoOverride() {
        assertSame(BuiltinTemplate.ZEPHYR,
                ChatTemplates.choose(NONE, Optional.of("zephyr-7b-beta"), NONE, Optional.of("auto")));
    }

    @Test
    void unknownOverrideListsValidNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ChatTemplates.choose(NONE, NONE, NONE, Optional.of("gemma")));
        assertEquals("unknown chat template 'gemma'; valid names: vicuna_v1.1, alpaca, llama-2, chatml, zephyr, "
                + "llama3, mistral-v1, mistral-v3, mistral-v3-tekken, mistral-v7, mistral, completion",
                e.getMessage());
    }

    @Test
    void blankGgufTemplateFallsBackToName() {
        assertSame(BuiltinTemplate.VICUNA_V1_1,
                ChatTemplates.choose(Optional.of("  "), Optional.of("Vicuna 7b v1.5"), NONE, NONE));
    }

    @Test
    void basenameIsTheSecondChoice() {
        assertSame(BuiltinTemplate.ALPACA,
                ChatTemplates.choose(NONE, Optional.of("My Pruned Model"), Optional.of("st-llama-1"), NONE));
        assertSame(BuiltinTemplate.VICUNA_V1_1,
                ChatTemplates.choose(NONE, Optional.of("vicuna-7b-v1.3"), Optional.of("st-llama-1"), NONE));
    }

    @Test
    void nothingKnownMeansCompletion() {
        assertSame(BuiltinTemplate.COMPLETION, ChatTemplates.choose(NONE, NONE, NONE, NONE));
        assertSame(BuiltinTemplate.COMPLETION, ChatTemplates.choose(NONE, Optional.of("Llama 2 7b Hf"), NONE, NONE));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            vicuna-7b-v1.5                 | vicuna_v1.1
            Vicuna 13b v1.1                | vicuna_v1.1
            st-vicuna-v1.3-5.5b-ppl        | vicuna_v1.1
            cpt_st-vicuna-v1.3-2.7b-ppl    | vicuna_v1.1
            st-llama-1-5.5b-taylor         | alpaca
            St Llama 1 5.5b Ppl            | alpaca
            alpaca-7b-native               | alpaca
            Llama 2 7b Chat Hf             | llama-2
            llama2-13b-chat                | llama-2
            Llama-2-7b-chat                | llama-2
            zephyr-7b-beta                 | zephyr
            my-chatml-tune                 | chatml
            """)
    void guessesFromName(String modelName, String expected) {
        assertEquals(expected, ChatTemplates.guess(modelName).orElseThrow().name());
    }

    @ParameterizedTest
    @CsvSource({"Llama 2 7b Hf", "llama-7b", "latest-llama-base", "TinyStories 15M", "Mistral 7B v0.1"})
    void noGuessFor(String modelName) {
        assertEquals(Optional.empty(), ChatTemplates.guess(modelName));
    }

    @ParameterizedTest
    @CsvSource({
        "vicuna_v1.1, vicuna_v1.1", "vicuna, vicuna_v1.1", "VICUNA-V1.1, vicuna_v1.1",
        "llama-2, llama-2", "llama2, llama-2", "Llama_2, llama-2",
        "alpaca, alpaca", "chatml, chatml", "zephyr, zephyr",
        "completion, completion", "none, completion", "raw, completion"})
    void byNameAcceptsAliases(String name, String expected) {
        assertEquals(expected, ChatTemplates.byName(name).name());
    }

    @Test
    void byNameOfEveryBuiltinName() {
        for (String name : ChatTemplates.names()) {
            assertEquals(name, ChatTemplates.byName(name).name());
        }
    }

    @Test
    void shouldAddBos() {
        assertTrue(ChatTemplates.shouldAddBos("[INST] hi [/INST]", "<s>", true));
        assertFalse(ChatTemplates.shouldAddBos("<s>[INST] hi [/INST]", "<s>", true));
        assertFalse(ChatTemplates.shouldAddBos("[INST] hi [/INST]", "<s>", false));
        assertTrue(ChatTemplates.shouldAddBos("anything", "", true));
        assertTrue(ChatTemplates.shouldAddBos(" <s>x", "<s>", true));
    }
}
