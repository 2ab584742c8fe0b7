package dev.lopper.chat;

import java.util.function.Consumer;

/** Passes text on once the first non-whitespace character has come (models write " Hello" after a cue). */
public final class LeadingSpaceTrimmer implements Consumer<String> {
    private final Consumer<String> out;
    private boolean started;

    public LeadingSpaceTrimmer(Consumer<String> out) {
        this.out = out;
    }

    @Override
    public void accept(String text) {
        if (!started) {
            text = text.stripLeading();
            if (text.isEmpty()) {
                return;
            }
            started = true;
        }
        out.accept(text);
    }
}
