package dev.lopper.cli;

import dev.lopper.chat.ChatTemplate;
import dev.lopper.chat.ChatTemplateException;
import dev.lopper.chat.ChatTemplates;
import dev.lopper.chat.Conversation;
import dev.lopper.chat.JinjaTemplate;
import dev.lopper.engine.tokenizer.Vocabulary;
import dev.lopper.gguf.GgufMetadata;

/** The chat template for a model file, as {@code chat} and {@code template} choose it. */
final class ChatTemplateChoice {
    private ChatTemplateChoice() {
    }

    /**
     * {@link ChatTemplates#choose}: {@code --template}, else the GGUF's {@code tokenizer.chat_template} (with
     * {@code --no-jinja}: the built-in it matches), else a guess from {@code general.name} / {@code
     * general.basename}, else {@code completion}.
     */
    static ChatTemplate choose(GgufMetadata md, Vocabulary vocab, String override, boolean jinja) {
        return ChatTemplates.forModel(md, vocab, override, jinja);
    }

    /**
     * Renders a probe conversation (system prompt, one user message) so that a template which cannot render fails at
     * start, in one line that suggests {@code --template}.
     */
    static void check(ChatTemplate template, String system) {
        try {
            new Conversation(template, system).addUser("Hello").prompt();
        } catch (ChatTemplateException e) {
            throw renderError(template, e);
        }
    }

    /** A one-line error for a template that failed, suggesting a built-in. */
    static IllegalArgumentException renderError(ChatTemplate template, ChatTemplateException e) {
        String what = template instanceof JinjaTemplate
                ? "the model's chat template (tokenizer.chat_template) cannot be used: "
                : "";
        return new IllegalArgumentException(what + e.getMessage() + "; choose a template with --template NAME ("
                + String.join(", ", ChatTemplates.names()) + ")", e);
    }
}
