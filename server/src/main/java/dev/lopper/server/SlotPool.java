package dev.lopper.server;

import dev.lopper.engine.generate.Session;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The slots (one {@link Session} each, so one KV cache each) and the bounded queue of requests waiting for one.
 * A request takes the free slot whose cache shares the longest prefix with its prompt, so a conversation usually
 * comes back to the slot that served its earlier turns and only its new tokens run. Waiting is first come, first
 * served; past {@code queue} waiting requests, {@link #acquire} refuses at once.
 */
final class SlotPool {
    /** How often a waiting request checks whether its client is still there. */
    static final long POLL_MILLIS = 100;

    /** Thrown when the queue is full. */
    static final class QueueFullException extends Exception {
        QueueFullException() {
            super(null, null, false, false);
        }
    }

    /** Thrown when a waiting request's client went away, or the server is stopping. */
    static final class GaveUpException extends Exception {
        GaveUpException() {
            super(null, null, false, false);
        }
    }

    private final List<Session> free = new ArrayList<>();
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();
    private final int slots;
    private final int queue;
    private boolean closed;

    SlotPool(List<Session> sessions, int queue) {
        this.free.addAll(sessions);
        this.slots = sessions.size();
        this.queue = queue;
    }

    /** A free slot for {@code prompt}, waiting in line when all are busy; see {@link #acquire(int[], Runnable, BooleanSupplier)}. */
    Session acquire(int[] prompt, BooleanSupplier gone) throws QueueFullException, GaveUpException {
        return acquire(prompt, () -> { }, gone);
    }

    /**
     * A free slot for {@code prompt}, waiting in line when all are busy.
     *
     * @param admitted run (outside the lock) once the request holds a slot or a place in line, so it will not be
     *                 refused any more, before any waiting: a non-streaming request sends its response headers there
     *                 so that it can probe its client while it waits. If it throws, the slot or place is given back
     * @param gone     polled while waiting: true once the client has disconnected
     */
    Session acquire(int[] prompt, Runnable admitted, BooleanSupplier gone) throws QueueFullException,
            GaveUpException {
        Object ticket = new Object();
        Session now = null;
        synchronized (this) {
            if (closed) {
                throw new GaveUpException();
            }
            if (!free.isEmpty() && waiting.isEmpty()) {
                now = take(prompt);
            } else if (waiting.size() >= queue) {
                throw new QueueFullException();
            } else {
                waiting.addLast(ticket);
            }
        }
        boolean given = false;
        try {
            admitted.run();
            if (now != null) {
                given = true;
                return now;
            }
            while (true) {
                synchronized (this) {
                    if (closed) {
                        throw new GaveUpException();
                    }
                    if (waiting.peekFirst() == ticket && !free.isEmpty()) {
                        given = true;
                        return take(prompt);
                    }
                    wait(POLL_MILLIS);
                }
                if (gone.getAsBoolean()) { // outside the lock: it may write to the client
                    throw new GaveUpException();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GaveUpException();
        } finally {
            synchronized (this) {
                if (now != null && !given) {
                    free.add(now);
                }
                waiting.remove(ticket);
                notifyAll();
            }
        }
    }

    /** The free slot whose cache shares the longest prefix with {@code prompt}. */
    private Session take(int[] prompt) {
        Session best = free.getFirst();
        for (Session s : free) {
            if (s.commonPrefix(prompt) > best.commonPrefix(prompt)) {
                best = s;
            }
        }
        free.remove(best);
        return best;
    }

    synchronized void release(Session slot) {
        free.add(slot);
        notifyAll();
    }

    synchronized int busy() {
        return slots - free.size();
    }

    synchronized int waiting() {
        return waiting.size();
    }

    int slots() {
        return slots;
    }

    /** Refuses new requests and wakes the waiting ones, which give up. */
    synchronized void close() {
        closed = true;
        notifyAll();
    }
}
