package dev.lopper.chat;

import dev.lopper.engine.sampling.SamplingParams;

import java.util.Objects;

/**
 * How {@link ChatSession#open} sets up a chat.
 *
 * @param template    a built-in template name ({@link ChatTemplates#names()}), or null / "auto" for the model's own
 * @param system      the system prompt, or null for the template's default
 * @param sampling    how tokens are drawn
 * @param maxTokens   tokens per answer at most; -1 = until end of text, a stop string or a full window
 * @param contextSize the window in tokens; 0 = the model's {@link dev.lopper.engine.Model#contextSize()}
 * @param jinja       whether the GGUF's {@code tokenizer.chat_template} is run (Jinja); false: the built-in it is
 *                    recognised as ({@link ChatTemplates#detect}), as llama.cpp does without {@code --jinja}
 */
public record ChatOptions(String template, String system, SamplingParams sampling, int maxTokens, int contextSize,
                          boolean jinja) {
    public ChatOptions {
        Objects.requireNonNull(sampling, "sampling");
        if (maxTokens < -1) {
            throw new IllegalArgumentException("max tokens must be -1 or more, got " + maxTokens);
        }
        if (contextSize < 0) {
            throw new IllegalArgumentException("context size must be at least 1, got " + contextSize);
        }
    }

    /** The GGUF's template run with Jinja. */
    public ChatOptions(String template, String system, SamplingParams sampling, int maxTokens, int contextSize) {
        this(template, system, sampling, maxTokens, contextSize, true);
    }

    /** The model's template and window, llama.cpp's sampling defaults, answers until end of text. */
    public static ChatOptions defaults() {
        return new ChatOptions(null, null, SamplingParams.defaults(), -1, 0);
    }

    public ChatOptions withJinja(boolean value) {
        return new ChatOptions(template, system, sampling, maxTokens, contextSize, value);
    }

    public ChatOptions withTemplate(String value) {
        return new ChatOptions(value, system, sampling, maxTokens, contextSize, jinja);
    }

    public ChatOptions withSystem(String value) {
        return new ChatOptions(template, value, sampling, maxTokens, contextSize, jinja);
    }

    public ChatOptions withSampling(SamplingParams value) {
        return new ChatOptions(template, system, value, maxTokens, contextSize, jinja);
    }

    public ChatOptions withMaxTokens(int value) {
        return new ChatOptions(template, system, sampling, value, contextSize, jinja);
    }

    public ChatOptions withContextSize(int value) {
        return new ChatOptions(template, system, sampling, maxTokens, value, jinja);
    }
}
