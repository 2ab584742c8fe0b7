package dev.lopper.engine.generate;

import dev.lopper.engine.inference.Forward;
import dev.lopper.engine.model.LlamaModel;
import dev.lopper.quant.ThreadPool;

import java.util.Arrays;

/**
 * The tokens a model has seen and their KV cache. Appending runs only the new tokens; {@link #truncate} forgets a
 * tail so that a conversation can reuse its common prefix.
 */
public final class Session {
    private final Forward forward;
    private final int[] tokens;
    private final int vocab;
    private int length;

    public Session(LlamaModel model, int contextLength, ThreadPool pool) {
        if (contextLength < 1) {
            throw new IllegalArgumentException("context size must be at least 1, got " + contextLength);
        }
        this.forward = new Forward(model, contextLength, pool);
        this.vocab = model.config().vocabSize();
        this.tokens = new int[contextLength];
    }

    public int length() {
        return length;
    }

    public int capacity() {
        return tokens.length;
    }

    /** The tokens seen so far. */
    public int[] tokens() {
        return Arrays.copyOf(tokens, length);
    }

    /** Runs {@code ids} after what was seen and returns the logits after the last one (a reused buffer). */
    public float[] append(int[] ids) {
        return append(ids, null);
    }

    /**
     * Runs {@code ids} in batches after what was seen; returns the logits after the last one (a reused buffer) and,
     * when {@code allLogits} is not null, fills it with the logits after every one ({@code ids.length × vocab}).
     */
    public float[] append(int[] ids, float[] allLogits) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("nothing to append");
        }
        if (length + ids.length > tokens.length) {
            throw new ContextFullException(length + ids.length, tokens.length);
        }
        float[] logits = null;
        float[] batchLogits = allLogits == null ? null : new float[Forward.MAX_BATCH * vocab];
        for (int from = 0; from < ids.length; from += Forward.MAX_BATCH) {
            int n = Math.min(Forward.MAX_BATCH, ids.length - from);
            logits = forward.forward(ids, from, n, length, batchLogits);
            if (allLogits != null) {
                System.arraycopy(batchLogits, 0, allLogits, from * vocab, n * vocab);
            }
            System.arraycopy(ids, from, tokens, length, n);
            length += n;
        }
        return logits;
    }

    /** Runs one token; see {@link #append(int[])}. */
    public float[] append(int id) {
        if (length + 1 > tokens.length) {
            throw new ContextFullException(length + 1, tokens.length);
        }
        float[] logits = forward.forward(id, length);
        tokens[length++] = id;
        return logits;
    }

    /** Forgets every token from position {@code newLength} on. */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("cannot truncate " + length + " tokens to " + newLength);
        }
        length = newLength;
    }

    /** How many leading tokens of {@code ids} this session has already seen, in order. */
    public int commonPrefix(int[] ids) {
        int n = Math.min(length, ids.length);
        int i = 0;
        while (i < n && tokens[i] == ids[i]) {
            i++;
        }
        return i;
    }
}
