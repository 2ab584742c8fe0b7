package dev.lopper.engine.eval;

import java.util.Arrays;

/**
 * A tokenized text cut the way {@code llama-perplexity} cuts it: consecutive chunks of {@code ctx} tokens (the
 * tail that does not fill a chunk is dropped). Each chunk is run with its first token replaced by BOS and scored
 * on its second half: the logits after positions {@code ctx/2 .. ctx-2} predict the tokens that follow them, so
 * {@code ctx − 1 − ctx/2} tokens count per chunk.
 *
 * @param tokens the whole text's tokens (BOS first, as the tokenizer adds it)
 * @param ctx    the context size, tokens per chunk
 * @param chunks the number of chunks to score
 */
public record TextChunks(int[] tokens, int ctx, int chunks) {

    public TextChunks {
        tokens = tokens.clone();
        if (ctx < 4) {
            throw new IllegalArgumentException("context size " + ctx + " is too small to score (at least 4)");
        }
        if (chunks < 1 || (long) chunks * ctx > tokens.length) {
            throw new IllegalArgumentException(chunks + " chunks of " + ctx + " tokens do not fit the text's "
                    + tokens.length + " tokens");
        }
    }

    /**
     * The chunks of a text: all of them when {@code maxChunks} is negative, else at most that many. Like
     * llama-perplexity, a text must hold at least two chunks.
     */
    public static TextChunks of(int[] tokens, int ctx, int maxChunks) {
        if (ctx < 4) {
            throw new IllegalArgumentException("context size " + ctx + " is too small to score (at least 4)");
        }
        if (tokens.length < 2L * ctx) {
            throw new IllegalArgumentException("the text has " + tokens.length + " tokens; at least " + 2L * ctx
                    + " are needed for a context of " + ctx + " (use a longer text or a smaller -c)");
        }
        if (maxChunks == 0) {
            throw new IllegalArgumentException("--chunks must be positive (or omitted for all of the text)");
        }
        int all = tokens.length / ctx;
        return new TextChunks(tokens, ctx, maxChunks < 0 ? all : Math.min(maxChunks, all));
    }

    /** The first position whose logits are scored. */
    public int firstScored() {
        return ctx / 2;
    }

    /** Tokens scored per chunk. */
    public int scoredPerChunk() {
        return ctx - 1 - firstScored();
    }

    /** Tokens scored in all. */
    public long scoredTotal() {
        return (long) scoredPerChunk() * chunks;
    }

    /** Copies chunk {@code c} into {@code dst[0 .. ctx)}, its first token replaced by {@code bos}. */
    void copyChunk(int c, int bos, int[] dst) {
        System.arraycopy(tokens, c * ctx, dst, 0, ctx);
        dst[0] = bos;
    }

    /** The token that position {@code p} of chunk {@code c} predicts. */
    int next(int c, int p) {
        return tokens[c * ctx + p + 1];
    }

    /** The text's tokens that the chunks cover ({@code chunks × ctx}). */
    public int[] coveredTokens() {
        return Arrays.copyOf(tokens, chunks * ctx);
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }
}
