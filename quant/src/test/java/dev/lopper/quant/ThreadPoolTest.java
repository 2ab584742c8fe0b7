package dev.lopper.quant;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThreadPoolTest {

    /** Every index is run exactly once, in chunks of at least the grain (but the last), by valid worker ids. */
    @Test
    void coversEveryIndexOnce() {
        for (int threads = 1; threads <= 3; threads++) {
            try (ThreadPool pool = new ThreadPool(threads)) {
                for (int n : new int[]{1, 2, 7, 64, 1000, 4099}) {
                    for (int grain : new int[]{1, 3, 16, 5000}) {
                        AtomicIntegerArray hits = new AtomicIntegerArray(n);
                        int size = threads;
                        int g = grain;
                        int total = n;
                        pool.parallelFor(n, grain, (start, end, worker) -> {
                            assertTrue(worker >= 0 && worker < size, "worker " + worker);
                            assertTrue(end - start >= Math.min(g, total - start), start + ".." + end);
                            for (int i = start; i < end; i++) {
                                hits.incrementAndGet(i);
                            }
                        });
                        for (int i = 0; i < n; i++) {
                            assertEquals(1, hits.get(i), "index " + i + " of " + n + ", grain " + grain
                                    + ", threads " + threads);
                        }
                    }
                }
            }
        }
    }

    /** A failure in any chunk reaches the caller, and the pool stays usable. */
    @Test
    void rethrowsAFailure() {
        try (ThreadPool pool = new ThreadPool(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () ->
                    pool.parallelFor(1000, 1, (start, end, worker) -> {
                        if (start <= 900 && 900 < end) {
                            throw new IllegalStateException("chunk with 900");
                        }
                    }));
            assertEquals("chunk with 900", e.getMessage());
            AtomicIntegerArray hits = new AtomicIntegerArray(10);
            pool.parallelFor(10, 1, (start, end, worker) -> {
                for (int i = start; i < end; i++) {
                    hits.incrementAndGet(i);
                }
            });
            for (int i = 0; i < 10; i++) {
                assertEquals(1, hits.get(i));
            }
        }
    }
}
