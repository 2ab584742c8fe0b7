package dev.lopper.cli;

import dev.lopper.gguf.GgufFile;
import dev.lopper.gguf.GgufWriter;
import dev.lopper.gguf.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Golden renderings of {@code lopper template} for every built-in, and its errors. */
class TemplateCommandTest {

    private static final String[] TWO_TURNS = {"--system", "S", "--user", "U1", "--assistant", "A1", "--user", "U2"};

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            vicuna_v1.1 | "S USER: U1 ASSISTANT: A1</s>USER: U2 ASSISTANT:"
            alpaca      | "S\\n\\n### Instruction:\\nU1\\n\\n### Response:\\nA1\\n\\n### Instruction:\\nU2\\n\\n### Response:\\n"
            llama-2     | "[INST] <<SYS>>\\nS\\n<</SYS>>\\n\\nU1 [/INST] A1 </s><s>[INST] U2 [/INST]"
            chatml      | "<|im_start|>system\\nS<|im_end|>\\n<|im_start|>user\\nU1<|im_end|>\\n<|im_start|>assistant\\nA1<|im_end|>\\n<|im_start|>user\\nU2<|im_end|>\\n<|im_start|>assistant\\n"
            zephyr      | "<|system|>\\nS</s>\\n<|user|>\\nU1</s>\\n<|assistant|>\\nA1</s>\\n<|user|>\\nU2</s>\\n<|assistant|>\\n"
            completion  | "SU1A1U2"
            llama3      | "<|start_header_id|>system<|end_header_id|>\\n\\nS<|eot_id|><|start_header_id|>user<|end_header_id|>\\n\\nU1<|eot_id|><|start_header_id|>assistant<|end_header_id|>\\n\\nA1<|eot_id|><|start_header_id|>user<|end_header_id|>\\n\\nU2<|eot_id|><|start_header_id|>assistant<|end_header_id|>\\n\\n"
            mistral-v1  | " [INST] S\\n\\nU1 [/INST] A1</s> [INST] U2 [/INST]"
            mistral-v3  | "[INST] S\\n\\nU1[/INST] A1</s>[INST] U2[/INST]"
            mistral-v7  | "[SYSTEM_PROMPT] S[/SYSTEM_PROMPT][INST] U1[/INST] A1</s>[INST] U2[/INST]"
            mistral     | "[INST] S\\nU1 [/INST]A1</s>[INST] U2 [/INST]"
            """)
    void builtInRendersExactly(String template, String expected) throws Exception {
        List<String> args = new ArrayList<>(List.of("template", "--template", template));
        args.addAll(List.of(TWO_TURNS));
        Cli.Run r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        assertEquals(expected.replace("\\n", "\n"), r.out());
        assertEquals(List.of(), r.errLines());
    }

    @Test
    void vicunaDefaultSystemPromptAndAlias() throws Exception {
        Cli.Run r = Cli.run("template", "--template", "vicuna", "--user", "Hi");
        assertEquals(0, r.exit(), r.err());
        assertEquals("A chat between a curious user and an artificial intelligence assistant. The assistant gives "
                + "helpful, detailed, and polite answers to the user's questions. USER: Hi ASSISTANT:", r.out());
    }

    @Test
    void demoModelHasNoTemplateSoCompletionIsChosen() throws Exception {
        Cli.Run r = Cli.run("template", "--user", "Once upon a time");
        assertEquals(0, r.exit(), r.err());
        assertEquals("Once upon a time", r.out());
    }

    @Test
    void unknownTemplateIsOneLineListingTheNames() throws Exception {
        Cli.Run r = Cli.run("template", "--template", "nope", "--user", "Hi");
        assertEquals(2, r.exit());
        assertEquals(2, r.errLines().size(), "the message and the usage hint: " + r.err());
        assertTrue(r.err().contains("unknown chat template 'nope'") && r.err().contains("vicuna_v1.1"), r.err());
    }

    @Test
    void userIsRequired() throws Exception {
        Cli.Run r = Cli.run("template", "--template", "chatml");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--user"), r.err());
    }

    /** The demo model with a {@code tokenizer.chat_template} that always fails. */
    static Path modelWithBrokenTemplate(Path dir) throws Exception {
        return modelWithTemplate(dir.resolve("broken-template.gguf"),
                "{{ raise_exception('System role not supported') }}");
    }

    /** The demo model with {@code source} as its {@code tokenizer.chat_template}, written to {@code out}. */
    static Path modelWithTemplate(Path out, String source) throws Exception {
        try (GgufFile src = GgufFile.open(Cli.projectRoot().resolve("models/stories260K.gguf"))) {
            List<GgufWriter.TensorEntry> tensors = new ArrayList<>();
            for (TensorInfo t : src.tensors()) {
                tensors.add(new GgufWriter.TensorEntry(t.name(), t.type(), t.shape(), src.data(t)));
            }
            GgufWriter.write(out, src.version(), src.metadata().toBuilder()
                    .putString("tokenizer.chat_template", source)
                    .build(), tensors);
        }
        return out;
    }

    @Test
    void ggufTemplateThatFailsSuggestsTemplateOption(@TempDir Path dir) throws Exception {
        Path model = modelWithBrokenTemplate(dir);
        Cli.Run r = Cli.run("template", "-m", model.toString(), "--user", "Hi");
        assertEquals(1, r.exit());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().contains("System role not supported") && r.err().contains("--template"), r.err());

        Cli.Run fixed = Cli.run("template", "-m", model.toString(), "--template", "chatml", "--user", "Hi");
        assertEquals(0, fixed.exit(), fixed.err());
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", fixed.out());
    }

    /**
     * A Llama-3-style GGUF template: run with Jinja by default; with {@code --no-jinja} recognised as {@code llama3}
     * and rendered by the built-in, as llama.cpp does without {@code --jinja}.
     */
    @Test
    void noJinjaUsesTheBuiltInTheGgufTemplateMatches(@TempDir Path dir) throws Exception {
        Path model = modelWithTemplate(dir.resolve("llama3-template.gguf"), "{{ 'JINJA:' }}{% for m in messages %}"
                + "{{ '<|start_header_id|>' + m['role'] + '<|end_header_id|>\\n\\n' + m['content'] | trim "
                + "+ '<|eot_id|>' }}{% endfor %}");
        Cli.Run jinja = Cli.run("template", "-m", model.toString(), "--user", "Hi");
        assertEquals(0, jinja.exit(), jinja.err());
        assertTrue(jinja.out().startsWith("JINJA:<|start_header_id|>user"), jinja.out());

        Cli.Run builtin = Cli.run("template", "-m", model.toString(), "--no-jinja", "--user", "Hi");
        assertEquals(0, builtin.exit(), builtin.err());
        assertEquals("<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", builtin.out());
    }
}
