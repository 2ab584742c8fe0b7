package dev.lopper.chat;

import java.util.List;
import java.util.Optional;

/**
 * Turns a list of chat messages into the prompt text a model was trained on.
 *
 * <p><b>BOS.</b> The rendered text is tokenized with special-token parsing on (so {@code "</s>"}, {@code
 * "<|im_end|>"} … become their single special tokens). The built-in templates never start with the BOS text: the
 * tokenizer adds BOS. A {@link JinjaTemplate} returns exactly what the template renders, which for many GGUF
 * templates starts with {@code bos_token}; {@link ChatTemplates#shouldAddBos} tells the caller whether to add BOS so
 * that the prompt has exactly one.
 */
public sealed interface ChatTemplate permits BuiltinTemplate, JinjaTemplate {

    /**
     * Renders the conversation.
     *
     * @param messages            oldest first; a system message, if any, is normally the first
     * @param addGenerationPrompt whether to end with the cue for the assistant's reply (for example {@code
     *                            "ASSISTANT:"} or {@code "<|im_start|>assistant\n"})
     * @throws ChatTemplateException if the template rejects the messages (for example roles that do not
     *                               alternate) or cannot be rendered
     */
    String render(List<Message> messages, boolean addGenerationPrompt);

    /** A short name: a built-in's name (as accepted by {@code --template}), or the Jinja template's label. */
    String name();

    /**
     * Text that marks the end of the assistant's turn when the model writes it out instead of (or before) the EOS
     * token, for example {@code "USER:"} for Vicuna or {@code "<|im_end|>"} for ChatML. Generation stops at the first
     * one and it is not shown.
     */
    List<String> stopStrings();

    /** The system prompt the format uses when the conversation has none (Vicuna's and Alpaca's preambles). */
    Optional<String> defaultSystemPrompt();
}
