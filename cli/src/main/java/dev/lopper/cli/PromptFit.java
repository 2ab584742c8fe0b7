package dev.lopper.cli;

import java.util.Arrays;

/** A prompt longer than the context: refused with advice that can be followed, or cut at its beginning. */
final class PromptFit {
    private PromptFit() {
    }

    /**
     * @param tokens        the prompt, longer than {@code ctx}
     * @param ctx           the context the generation will have
     * @param window        the largest context available (the model's, capped by memory)
     * @param maxTokens     tokens to generate ({@code -1}: no limit)
     * @param modelContext  the model's own context length
     * @param truncate      {@code --truncate-prompt}: keep the prompt's end instead of refusing
     * @param bos           the BOS id, kept in front when the prompt starts with it
     * @return the prompt's end, leaving room to generate
     * @throws IllegalArgumentException when not truncating
     */
    static int[] fit(int[] tokens, int ctx, int window, int maxTokens, int modelContext, boolean truncate, int bos) {
        if (!truncate) {
            String advice = window < modelContext
                    ? "raise --ctx-size (the model allows " + modelContext + "), or use --truncate-prompt to drop "
                    + "its beginning"
                    : "the model's maximum; use --truncate-prompt to drop its beginning";
            throw new IllegalArgumentException("prompt is " + tokens.length + " tokens but the context holds " + ctx
                    + " (" + advice + ")");
        }
        int room = maxTokens < 0 ? Math.max(1, ctx / 4) : Math.min(Math.max(maxTokens, 1), Math.max(1, ctx / 2));
        int keep = Math.max(1, ctx - room);
        boolean keepBos = tokens.length > 0 && tokens[0] == bos && keep > 1;
        int[] out = new int[keep];
        int tail = keepBos ? keep - 1 : keep;
        if (keepBos) {
            out[0] = bos;
        }
        System.arraycopy(tokens, tokens.length - tail, out, keep - tail, tail);
        Terminal.notice("prompt truncated: dropped its first " + (tokens.length - keep) + " of " + tokens.length
                + " tokens to fit the context of " + ctx + (keepBos ? " (BOS kept)" : ""));
        return Arrays.copyOf(out, keep);
    }
}
