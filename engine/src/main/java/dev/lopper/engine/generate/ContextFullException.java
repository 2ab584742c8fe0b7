package dev.lopper.engine.generate;

/** More tokens than the context window holds. The message says how many and which option raises the limit. */
public final class ContextFullException extends IllegalStateException {
    public ContextFullException(int needed, int capacity) {
        super("context full: " + needed + " tokens do not fit the context of " + capacity
                + " (raise --ctx-size or shorten the input)");
    }
}
