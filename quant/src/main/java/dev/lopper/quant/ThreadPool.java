package dev.lopper.quant;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * One persistent set of worker threads for all kernels. {@link #parallelFor} splits {@code [0, n)} into contiguous
 * chunks (large first, smaller towards the end) that the caller and the workers take in order; the caller runs
 * chunks too and returns when all are done.
 * Workers spin briefly between calls (decode issues hundreds of small calls per token) and then park.
 * Nothing is allocated per call.
 */
public final class ThreadPool implements AutoCloseable {

    /** A body over a half-open range {@code [start, end)}; {@code worker} is 0..size-1 for per-thread scratch. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end, int worker);
    }

    /** How long an idle thread spins before parking: longer than the gap between two kernels of one token. */
    private static final long SPIN_NANOS = 200_000;

    private final int size;
    private final Thread[] threads;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile long generation;
    private volatile boolean closed;
    private volatile Thread caller;
    private RangeTask task;
    private int n;
    private int grain;

    /** A pool of {@code size} threads in all, the caller included ({@code size - 1} workers are started). */
    public ThreadPool(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("thread count must be at least 1, got " + size);
        }
        this.size = size;
        this.threads = new Thread[size - 1];
        for (int i = 0; i < threads.length; i++) {
            int worker = i + 1;
            threads[i] = Thread.ofPlatform().daemon().name("lopper-worker-" + worker).unstarted(() -> workLoop(worker));
            threads[i].start();
        }
    }

    /** Threads in all, the caller included. */
    public int size() {
        return size;
    }

    /**
     * Runs {@code body} over {@code [0, n)} split into contiguous chunks of at least {@code grain} items.
     * Not reentrant: one call at a time.
     */
    public void parallelFor(int n, int grain, RangeTask body) {
        if (n <= 0) {
            return;
        }
        if (size == 1 || n < 2 * Math.max(1, grain)) {
            body.run(0, n, 0);
            return;
        }
        this.task = body;
        this.n = n;
        this.grain = Math.max(1, grain);
        this.caller = Thread.currentThread();
        next.set(0);
        pending.set(threads.length);
        generation++; // publishes the fields above to the workers
        for (Thread t : threads) {
            LockSupport.unpark(t);
        }
        runChunks(0);
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (pending.get() != 0) {
            if (System.nanoTime() < spinUntil) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(this, 20_000);
            }
        }
        this.task = null;
        Throwable t = failure.getAndSet(null);
        if (t instanceof RuntimeException re) {
            throw re;
        } else if (t instanceof Error e) {
            throw e;
        } else if (t != null) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Takes chunks until none is left. Guided sizes: a chunk is the remaining items over twice the thread count, at
     * least the grain, so the first chunks are large and the last ones small — the threads finish close together
     * (the caller waits for the slowest) without paying for many small chunks.
     */
    private void runChunks(int worker) {
        RangeTask body = task;
        int total = n;
        int min = grain;
        int split = 2 * size;
        while (true) {
            int start = next.get();
            if (start >= total) {
                return;
            }
            int end = Math.min(total, start + Math.max(min, (total - start) / split));
            if (!next.compareAndSet(start, end)) {
                continue;
            }
            try {
                body.run(start, end, worker);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }
    }

    private void workLoop(int worker) {
        long seen = 0;
        while (true) {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (generation == seen) {
                if (closed) {
                    return;
                }
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            seen = generation;
            runChunks(worker);
            if (pending.decrementAndGet() == 0) {
                LockSupport.unpark(caller);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : threads) {
            LockSupport.unpark(t);
        }
    }

    /**
     * Physical cores of this machine: distinct (physical id, core id) pairs in /proc/cpuinfo where available,
     * else the JVM's available processors.
     */
    public static int physicalCores() {
        int logical = Runtime.getRuntime().availableProcessors();
        try {
            Set<String> cores = new HashSet<>();
            String physical = "0";
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                if (key.equals("physical id")) {
                    physical = value;
                } else if (key.equals("core id")) {
                    cores.add(physical + "/" + value);
                }
            }
            return cores.isEmpty() ? logical : Math.max(1, Math.min(logical, cores.size()));
        } catch (IOException | RuntimeException e) {
            return logical;
        }
    }
}
