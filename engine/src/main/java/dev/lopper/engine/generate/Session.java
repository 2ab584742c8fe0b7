package dev.lopper.engine.generate;

import dev.lopper.engine.inference.Forward;
import dev.lopper.engine.model.LlamaModel;
import dev.lopper.quant.ThreadPool;

import java.util.Arrays;
import java.util.function.BooleanSupplier;

/**
 * The tokens a model has seen and their KV cache. Appending runs only the new tokens; {@link #truncate} forgets a
 * tail so that a conversation can reuse its common prefix. A session runs its steps on a forward pass of its own,
 * or as rows of the shared steps of a {@link SessionBatcher}.
 */
public final class Session {

    /** What runs a session's steps: {@link Forward#forward(int[], int, int, int, float[])} or a batcher. */
    interface Stepper {
        float[] run(int[] tokens, int from, int n, int pos, float[] allLogits);

        /** The session will not step again soon; see {@link Session#idle()}. */
        default void idle() {
        }
    }

    private final Stepper stepper;
    private final int[] tokens;
    private final int vocab;
    private final int[] single = new int[1];
    private int length;

    public Session(LlamaModel model, int contextLength, ThreadPool pool) {
        this(direct(new Forward(model, checked(contextLength), pool)), contextLength, model.config().vocabSize());
    }

    Session(Stepper stepper, int contextLength, int vocab) {
        this.stepper = stepper;
        this.vocab = vocab;
        this.tokens = new int[checked(contextLength)];
    }

    private static int checked(int contextLength) {
        if (contextLength < 1) {
            throw new IllegalArgumentException("context size must be at least 1, got " + contextLength);
        }
        return contextLength;
    }

    private static Stepper direct(Forward forward) {
        return forward::forward;
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
        return append(ids, null, () -> false);
    }

    /**
     * Runs {@code ids} in batches after what was seen; returns the logits after the last one (a reused buffer) and,
     * when {@code allLogits} is not null, fills it with the logits after every one ({@code ids.length × vocab}).
     */
    public float[] append(int[] ids, float[] allLogits) {
        return append(ids, allLogits, () -> false);
    }

    /**
     * {@link #append(int[], float[])} that stops between batches of {@link Forward#MAX_BATCH} tokens once
     * {@code cancelled} says so, and then returns null (the tokens run so far stay in the session).
     */
    public float[] append(int[] ids, float[] allLogits, BooleanSupplier cancelled) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("nothing to append");
        }
        if (length + ids.length > tokens.length) {
            throw new ContextFullException(length + ids.length, tokens.length);
        }
        float[] logits = null;
        float[] batchLogits = allLogits == null ? null : new float[Forward.MAX_BATCH * vocab];
        for (int from = 0; from < ids.length; from += Forward.MAX_BATCH) {
            if (from > 0 && cancelled.getAsBoolean()) {
                return null;
            }
            int n = Math.min(Forward.MAX_BATCH, ids.length - from);
            logits = stepper.run(ids, from, n, length, batchLogits);
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
        single[0] = id;
        float[] logits = stepper.run(single, 0, 1, length, null);
        tokens[length++] = id;
        return logits;
    }

    /**
     * Says that this session will not step again soon (its answer is done): a {@link SessionBatcher} then runs its
     * next step without waiting for it. Nothing for a session alone. The next append joins the steps again.
     */
    public void idle() {
        stepper.idle();
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
