package dev.lopper.chat;

/**
 * A chat template could not render the messages: the template rejected them ({@code raise_exception} in a Jinja
 * template, roles that do not alternate for Llama-2), or the Jinja template uses something the renderer does not
 * support. The message is one line.
 */
public final class ChatTemplateException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ChatTemplateException(String message) {
        super(message);
    }

    public ChatTemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
