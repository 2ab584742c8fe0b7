package dev.lopper.engine.generate;

import dev.lopper.engine.inference.Forward;
import dev.lopper.engine.inference.KvCache;
import dev.lopper.engine.inference.TokenBatch;
import dev.lopper.engine.model.LlamaModel;
import dev.lopper.quant.ThreadPool;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs the forward passes of many {@link Session sessions} together, so that each weight is read once per step for
 * all of them: the sessions ({@link #newSession()}, each with its own KV cache) are used from their own threads as
 * usual, and every {@code append} they make becomes rows of the next shared step ({@link TokenBatch}), run by one
 * thread of this batcher on the model's thread pool.
 *
 * <p><b>A step</b> takes the single tokens of sessions decoding first, then prompt tokens of sessions in prefill, in
 * arrival order, up to {@link Forward#MAX_BATCH} rows (a long prompt continues in the next step). Before a step it
 * waits, at most the {@link #gatherTimeout gather timeout} ({@link #GATHER_NANOS} unless set), until every session
 * of the previous step has asked again or said it is {@link Session#idle() idle}, so that sessions decoding in
 * lockstep share each step; a session that stops asking without saying so (its client is slow) costs one such
 * wait. {@link #expect} makes the next step wait for several sessions known to be starting together.
 *
 * <p><b>Numerics.</b> A step of one row multiplies with the matrix × vector kernels (int8 activations for the
 * quantized types); a step of several rows with the matrix × matrix path (exact float products). So a session's
 * logits can differ in the last bits, or more for quantized weights, with the company it keeps; greedy output
 * usually agrees and is not guaranteed to be identical (docs/server.md gives the measured agreement).
 */
public final class SessionBatcher implements AutoCloseable {
    /** Longest wait for the sessions of the previous step to ask again. */
    public static final long GATHER_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private final LlamaModel model;
    private final Forward forward;
    private final int vocab;
    private final TokenBatch batch = new TokenBatch(Forward.MAX_BATCH);
    private final float[] logits;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Condition done = lock.newCondition();
    private final List<Request> pending = new ArrayList<>();
    private final Request[] taken = new Request[Forward.MAX_BATCH];
    private final int[] takenRows = new int[Forward.MAX_BATCH];
    private final Thread thread;
    private long gatherNanos = GATHER_NANOS;
    private int awaited;
    private int expected;
    private boolean closed;
    private long steps;
    private long rows;

    /** A batcher for sessions of {@code contextLength} tokens each; see {@code Model.newBatcher}. */
    public SessionBatcher(LlamaModel model, int contextLength, ThreadPool pool) {
        this.model = model;
        this.forward = Forward.shared(model, contextLength, pool);
        this.vocab = model.config().vocabSize();
        this.logits = new float[Forward.MAX_BATCH * vocab];
        this.thread = Thread.ofPlatform().daemon().name("lopper-batcher").start(this::loop);
    }

    /** A session with its own KV cache whose steps run in this batcher's shared forward passes. */
    public Session newSession() {
        return new Session(new Member(forward.newCache()), forward.contextLength(), vocab);
    }

    /**
     * How long a step waits at most for the sessions of the previous step to ask again (and for those announced by
     * {@link #expect}). Longer makes the steps' make-up independent of thread scheduling (tests do that); the
     * default, {@link #GATHER_NANOS}, keeps a slow session from holding the others up.
     */
    public void gatherTimeout(java.time.Duration timeout) {
        lock.lock();
        try {
            gatherNanos = timeout.toNanos();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes the next step wait (at most the gather timeout) until {@code requests} requests are pending: for a
     * caller that knows that many sessions start together and wants their prompts in one step.
     */
    public void expect(int requests) {
        lock.lock();
        try {
            expected = requests;
        } finally {
            lock.unlock();
        }
    }

    /** Forward passes run so far. */
    public long steps() {
        lock.lock();
        try {
            return steps;
        } finally {
            lock.unlock();
        }
    }

    /** Rows (tokens) run so far, over all steps: {@code rows / steps} is the mean batch. */
    public long rows() {
        lock.lock();
        try {
            return rows;
        } finally {
            lock.unlock();
        }
    }

    /** Stops the batcher's thread after the step in progress; sessions asking afterwards get an exception. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            work.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One session's way into the batcher: its cache and its one request in flight, reused for every call. */
    private final class Member implements Session.Stepper {
        private final KvCache cache;
        private final Request request;

        Member(KvCache cache) {
            this.cache = cache;
            this.request = new Request(cache, new float[vocab]);
        }

        @Override
        public float[] run(int[] tokens, int from, int n, int pos, float[] allLogits) {
            Request r = request;
            r.reset(tokens, from, n, pos, allLogits);
            lock.lock();
            try {
                if (closed) {
                    throw new IllegalStateException("the batcher of " + model.config().name() + " is closed");
                }
                arrived(r);
                pending.add(r);
                work.signal();
                while (!r.finished) {
                    done.awaitUninterruptibly();
                }
            } finally {
                lock.unlock();
            }
            if (r.failure != null) {
                throw r.failure;
            }
            return r.logits;
        }

        @Override
        public void idle() {
            lock.lock();
            try {
                arrived(request);
                work.signal();
            } finally {
                lock.unlock();
            }
        }
    }

    /** A session of the last step asked again or went idle: the next step need not wait for it. */
    private void arrived(Request r) {
        if (r.awaitedAfter == steps) {
            r.awaitedAfter = -1;
            awaited--;
        }
    }

    /** A run of {@code n} tokens of one session at positions {@code pos ..}; {@code done} of them have run. */
    private static final class Request {
        final KvCache cache;
        final float[] logits;
        int[] tokens;
        int from;
        int n;
        int pos;
        float[] allLogits;
        int done;
        boolean finished;
        /** The step after which the batcher waits for this session to ask again; -1 when it does not. */
        long awaitedAfter = -1;
        RuntimeException failure;

        Request(KvCache cache, float[] logits) {
            this.cache = cache;
            this.logits = logits;
        }

        void reset(int[] tokens, int from, int n, int pos, float[] allLogits) {
            this.tokens = tokens;
            this.from = from;
            this.n = n;
            this.pos = pos;
            this.allLogits = allLogits;
            this.done = 0;
            this.finished = false;
            this.failure = null;
        }
    }

    private void loop() {
        while (true) {
            int count;
            lock.lock();
            try {
                while (pending.isEmpty() && !closed) {
                    work.awaitUninterruptibly();
                }
                if (pending.isEmpty()) {
                    failPending();
                    return;
                }
                long deadline = System.nanoTime() + gatherNanos;
                long left;
                while ((awaited > 0 || pending.size() < expected) && !closed
                        && (left = deadline - System.nanoTime()) > 0) {
                    try {
                        work.awaitNanos(left);
                    } catch (InterruptedException e) {
                        break;
                    }
                }
                expected = 0;
                count = fill();
            } finally {
                lock.unlock();
            }
            RuntimeException failure = null;
            try {
                forward.forward(batch, logits);
            } catch (RuntimeException e) {
                failure = e;
            }
            lock.lock();
            try {
                steps++;
                rows += batch.size();
                awaited = 0;
                distribute(count, failure);
                done.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Fills the batch: decoding sessions first, then prompts in arrival order. Returns the requests taken. */
    private int fill() {
        batch.clear();
        int count = 0;
        for (int pass = 0; pass < 2; pass++) {
            for (Request r : pending) {
                boolean single = r.n - r.done == 1;
                if ((pass == 0) != single || batch.size() == batch.capacity()) {
                    continue;
                }
                int k = Math.min(r.n - r.done, batch.capacity() - batch.size());
                for (int j = 0; j < k; j++) {
                    int i = r.done + j;
                    batch.add(r.cache, r.tokens[r.from + i], r.pos + i, r.allLogits != null || i == r.n - 1);
                }
                taken[count] = r;
                takenRows[count++] = k;
            }
        }
        return count;
    }

    /** Hands the step's logits to the requests taken, and completes those whose tokens have all run. */
    private void distribute(int count, RuntimeException failure) {
        int logitRow = 0;
        for (int t = 0; t < count; t++) {
            Request r = taken[t];
            taken[t] = null;
            int k = takenRows[t];
            if (failure != null) {
                r.failure = failure;
                r.finished = true;
                pending.remove(r);
                continue;
            }
            for (int j = 0; j < k; j++) {
                int i = r.done + j;
                boolean wanted = r.allLogits != null || i == r.n - 1;
                if (!wanted) {
                    continue;
                }
                if (r.allLogits != null) {
                    System.arraycopy(logits, logitRow * vocab, r.allLogits, i * vocab, vocab);
                }
                if (i == r.n - 1) {
                    System.arraycopy(logits, logitRow * vocab, r.logits, 0, vocab);
                }
                logitRow++;
            }
            r.done += k;
            if (r.done == r.n) {
                r.finished = true;
                pending.remove(r);
                r.awaitedAfter = steps;
                awaited++;
            }
        }
    }

    private void failPending() {
        for (Request r : pending) {
            r.failure = new IllegalStateException("the batcher of " + model.config().name() + " is closed");
            r.finished = true;
        }
        pending.clear();
        done.signalAll();
    }
}
