package dev.lopper.cli;

import picocli.CommandLine.Option;

/**
 * {@code --no-jinja}: the GGUF's {@code tokenizer.chat_template} is not run but recognised as one of the built-ins
 * ({@link dev.lopper.chat.ChatTemplates#detect}), as llama.cpp renders chats without {@code --jinja}.
 */
public final class JinjaOption {
    @Option(names = "--no-jinja",
            description = "Do not run the model's tokenizer.chat_template (Jinja); use the built-in it matches "
                    + "(llama3, mistral-v1/v3/v3-tekken/v7, mistral, llama-2, chatml), as llama.cpp does without "
                    + "--jinja.")
    boolean noJinja;

    /** Whether the GGUF's template is run. */
    public boolean jinja() {
        return !noJinja;
    }
}
