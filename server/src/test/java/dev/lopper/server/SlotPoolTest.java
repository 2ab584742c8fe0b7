package dev.lopper.server;

import dev.lopper.engine.Lopper;
import dev.lopper.engine.Model;
import dev.lopper.engine.generate.Session;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The queue: first come first served, bounded, a client gone while waiting leaves it, slots chosen by prefix. */
class SlotPoolTest {
    private static Model model;

    @BeforeAll
    static void load() throws Exception {
        model = Lopper.load(TestServer.demo(), Lopper.Options.defaults().withThreads(1).withContextSize(64));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void aClientGoneWhileQueuedLeavesTheQueue() throws Exception {
        Session only = model.newSession(64);
        SlotPool pool = new SlotPool(List.of(only), 2);
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        Session held = pool.acquire(new int[]{1}, () -> false);
        AtomicBoolean gone = new AtomicBoolean();
        CompletableFuture<Throwable> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                pool.acquire(new int[]{1}, gone::get);
                return null;
            } catch (Exception e) {
                return e;
            }
        }, threads);
        CompletableFuture<Session> second = CompletableFuture.supplyAsync(() -> {
            try {
                return pool.acquire(new int[]{1}, () -> false);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, threads);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (pool.waiting() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        assertEquals(2, pool.waiting());
        assertThrows(SlotPool.QueueFullException.class, () -> pool.acquire(new int[]{1}, () -> false));
        long t0 = System.nanoTime();
        gone.set(true);
        assertTrue(waiter.get(5, TimeUnit.SECONDS) instanceof SlotPool.GaveUpException);
        assertTrue(System.nanoTime() - t0 < 3 * SlotPool.POLL_MILLIS * 1_000_000L, "noticed within a poll");
        assertEquals(1, pool.waiting());
        pool.release(held);
        assertSame(only, second.get(5, TimeUnit.SECONDS), "the next in line gets the slot");
        assertEquals(0, pool.waiting());
        threads.shutdown();
    }

    @Test
    void aRequestGetsTheSlotThatHasSeenItsPrefix() throws Exception {
        Session a = model.newSession(64);
        Session b = model.newSession(64);
        int[] conversation = {1, 400, 401, 402, 403};
        b.append(conversation);
        a.append(new int[]{1, 300});
        SlotPool pool = new SlotPool(List.of(a, b), 4);
        int[] nextTurn = {1, 400, 401, 402, 403, 404, 405};
        assertSame(b, pool.acquire(nextTurn, () -> false));
        assertSame(a, pool.acquire(nextTurn, () -> false));
    }
}
