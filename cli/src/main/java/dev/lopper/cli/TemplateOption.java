package dev.lopper.cli;

import dev.lopper.chat.ChatTemplates;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code --template NAME}: a built-in chat template or {@code auto}; an unknown name is a bad argument (exit 2). */
public final class TemplateOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    private String name;

    @Option(names = "--template", paramLabel = "NAME",
            description = "Chat template: auto (the model's), vicuna_v1.1, alpaca, llama-2, chatml, zephyr, llama3, "
                    + "mistral-v1, mistral-v3, mistral-v3-tekken, mistral-v7, mistral, completion (default: auto).")
    void name(String value) {
        if (!value.strip().equalsIgnoreCase("auto")) {
            try {
                ChatTemplates.byName(value);
            } catch (IllegalArgumentException e) {
                throw OptionChecks.bad(spec, "--template: " + e.getMessage());
            }
        }
        name = value;
    }

    /** The name given, or null for the model's own (auto). */
    public String name() {
        return name;
    }
}
